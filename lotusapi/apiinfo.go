// Parsing of Lotus API info strings ("TOKEN:MULTIADDR") and multiaddrs into HTTP endpoints.
package lotusapi

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Endpoint is where one Lotus API was found. Token goes only into the Authorization header.
type Endpoint struct {
	URL    string // e.g. http://127.0.0.1:1234/rpc/v1
	Token  string // JWT, may be empty (read-only access)
	Source string // where it was found, e.g. "FULLNODE_API_INFO" or "repo /home/lotus/.lotus"
}

// String shows URL and source, never the token, so an Endpoint is safe to log.
func (e Endpoint) String() string {
	return e.URL + " (from " + e.Source + ")"
}

// tokenInfoRE is Lotus's own test (cliutil.ParseApiInfo): the text before the
// first ":" is a token only when it looks like a JWT.
var tokenInfoRE = regexp.MustCompile(`^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?:.+$`)

// rpcVersionRE spots a URL that already names an RPC version, so a wrong one is reported instead of doubled.
var rpcVersionRE = regexp.MustCompile(`/rpc/v[0-9]+$`)

const expectedInfo = "expected TOKEN:/ip4/HOST/tcp/PORT/http"

// ParseAPIInfo parses Lotus's API info form "TOKEN:MULTIADDR" (or just
// "MULTIADDR", or "TOKEN:http://host:port" / plain URL forms as Lotus also
// accepts) into an Endpoint whose URL ends in rpcPath ("/rpc/v1" for the full
// node, "/rpc/v0" for the miner). A token in a URL's ?token= query (Lotus's
// auth reads it there too) becomes Endpoint.Token; the URL keeps no query.
// source is copied to Endpoint.Source and used in errors. Errors are one line
// and never contain the token.
func ParseAPIInfo(info, rpcPath, source string) (Endpoint, error) {
	info = strings.TrimSpace(info)
	ep := Endpoint{Source: source}
	addr := info
	if tokenInfoRE.MatchString(info) {
		ep.Token, addr, _ = strings.Cut(info, ":")
	}
	// Errors never quote the value: whatever it holds (a token in the wrong place, a
	// password in a URL) must not reach a log.
	switch {
	case addr == "":
		return Endpoint{}, fmt.Errorf("%s: empty value; %s", source, expectedInfo)
	case strings.HasPrefix(addr, "/"):
		base, err := MultiaddrURL(addr)
		if err != nil {
			return Endpoint{}, fmt.Errorf("%s: malformed multiaddr: %v; %s", source, err, expectedInfo)
		}
		ep.URL = base + rpcPath
	case hasURLScheme(addr):
		u, token, err := apiURL(addr, rpcPath)
		if err != nil {
			return Endpoint{}, fmt.Errorf("%s: malformed URL: %v; expected TOKEN:http://HOST:PORT", source, err)
		}
		ep.URL = u
		if ep.Token == "" {
			ep.Token = token
		}
	default:
		return Endpoint{}, fmt.Errorf("%s: value is neither TOKEN:MULTIADDR, MULTIADDR nor URL; %s", source, expectedInfo)
	}
	return ep, nil
}

func hasURLScheme(s string) bool {
	for _, p := range []string{"http://", "https://", "ws://", "wss://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// apiURL checks a URL-form address and makes it end in rpcPath. WebSocket
// schemes become HTTP(S) because the exporter only makes HTTP calls. The
// token of a ?token= query is returned apart, and the URL keeps no query or
// fragment: it is printed in errors and --check, the token only goes into the
// Authorization header (which Lotus reads first).
func apiURL(addr, rpcPath string) (rawURL, token string, err error) {
	u, err := url.Parse(addr)
	if err != nil {
		return "", "", errors.New("not a valid URL")
	}
	token = u.Query().Get("token")
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	if u.User != nil {
		return "", "", errors.New("user:password in the URL is not supported; put the token before the URL")
	}
	if !validURLHost(u) {
		return "", "", errors.New("bad host")
	}
	if p := u.Port(); p != "" {
		if err := checkPort(p); err != nil {
			return "", "", err
		}
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, rpcPath):
	case rpcVersionRE.MatchString(p):
		return "", "", fmt.Errorf("path %q is not %s", rpcVersionRE.FindString(p), rpcPath)
	default:
		p += rpcPath
	}
	u.Path = p
	return u.String(), token, nil
}

// validURLHost accepts a host name, an IPv4 address or a bracketed IPv6
// address; net/url lets some odd hosts through that it cannot parse back.
func validURLHost(u *url.URL) bool {
	h := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(h)
		return err == nil && a.Is6()
	}
	return validHostname(h)
}

// suffixSchemes maps what may follow /tcp/PORT to the HTTP scheme to use.
var suffixSchemes = map[string]string{
	"http":     "http",
	"ws":       "http",
	"https":    "https",
	"wss":      "https",
	"tls/http": "https",
	"tls/ws":   "https",
}

// MultiaddrURL turns a Lotus API multiaddr into an HTTP(S) base URL (no path).
// It accepts /ip4, /ip6, /dns, /dns4 or /dns6, then /tcp/PORT, then optionally
// /http, /https, /ws, /wss, /tls/http or /tls/ws; no suffix means http.
// The unspecified listen addresses 0.0.0.0 and :: become loopback.
// Errors give the reason only; callers add the multiaddr and source.
func MultiaddrURL(ma string) (string, error) {
	rest, ok := strings.CutPrefix(ma, "/")
	if !ok {
		return "", errors.New(`must start with "/"`)
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 {
		return "", errors.New("missing host")
	}
	host, err := multiaddrHost(parts[0], parts[1])
	if err != nil {
		return "", err
	}
	if len(parts) < 4 || parts[2] != "tcp" {
		return "", errors.New("missing /tcp/PORT after the host")
	}
	if err := checkPort(parts[3]); err != nil {
		return "", err
	}
	scheme := "http"
	if len(parts) > 4 {
		suffix := strings.Join(parts[4:], "/")
		if scheme, ok = suffixSchemes[suffix]; !ok {
			return "", errors.New("unsupported suffix after the port (want /http, /https, /ws, /wss, /tls/http or /tls/ws)")
		}
	}
	return scheme + "://" + net.JoinHostPort(host, parts[3]), nil
}

// multiaddrHost checks the host part of a multiaddr and returns it as a URL host (without brackets).
func multiaddrHost(proto, value string) (string, error) {
	switch proto {
	case "ip4", "ip6":
		a, err := netip.ParseAddr(value)
		if err != nil || a.Zone() != "" || a.Is4() != (proto == "ip4") {
			return "", fmt.Errorf("bad IPv%s address", proto[2:])
		}
		// Lotus writes its listen address to the repo api file; "all interfaces" is reachable via loopback.
		if a.IsUnspecified() {
			if a.Is4() {
				return "127.0.0.1", nil
			}
			return "::1", nil
		}
		return a.String(), nil
	case "dns", "dns4", "dns6":
		// The address family of dns4/dns6 is left to the resolver.
		if !validHostname(value) {
			return "", errors.New("bad host name")
		}
		return value, nil
	}
	return "", errors.New("unsupported protocol (want /ip4, /ip6, /dns, /dns4 or /dns6)")
}

// validHostname allows only characters that are safe in a URL host.
func validHostname(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func checkPort(s string) error {
	if n, err := strconv.ParseUint(s, 10, 16); err != nil || n == 0 {
		return errors.New("bad port (want 1-65535)")
	}
	return nil
}
