// Lotus-style repo folders pointing at the fake nodes, for discovery and end-to-end tests.
package lotustest

import (
	"net/url"
	"os"
	"path/filepath"
)

// WriteRepos writes home/.lotus and home/.lotusminer with the api and token files a real
// node leaves behind: api holds a multiaddr like /ip4/127.0.0.1/tcp/PORT/http (mode 0644,
// as Lotus writes it) and token the admin token (mode 0600).
func (s *Server) WriteRepos(home string) (lotusPath, minerPath string, err error) {
	lotusPath = filepath.Join(home, ".lotus")
	minerPath = filepath.Join(home, ".lotusminer")
	if err := writeRepo(lotusPath, s.daemon.URL, s.DaemonToken); err != nil {
		return "", "", err
	}
	if err := writeRepo(minerPath, s.miner.URL, s.MinerToken); err != nil {
		return "", "", err
	}
	return lotusPath, minerPath, nil
}

func writeRepo(dir, serverURL, token string) error {
	u, err := url.Parse(serverURL)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	api := "/ip4/" + u.Hostname() + "/tcp/" + u.Port() + "/http"
	if err := os.WriteFile(filepath.Join(dir, "api"), []byte(api), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "token"), []byte(token), 0o600)
}
