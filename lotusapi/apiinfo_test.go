// Tests for parsing Lotus API info strings and multiaddrs.
package lotusapi

import (
	"net/url"
	"strings"
	"testing"
)

// testToken is shaped like a Lotus JWT so ParseAPIInfo treats it as one.
const testToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIl19.c2VjcmV0LXNpZ25hdHVyZQ"

var parseTests = []struct {
	name    string
	info    string
	rpcPath string
	wantURL string
	wantTok string
	wantErr string // substring of the error; "" means success
}{
	{"ip4 http", "/ip4/10.0.0.5/tcp/1234/http", "/rpc/v1", "http://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 no suffix", "/ip4/10.0.0.5/tcp/1234", "/rpc/v1", "http://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 https", "/ip4/10.0.0.5/tcp/1234/https", "/rpc/v1", "https://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 ws", "/ip4/10.0.0.5/tcp/1234/ws", "/rpc/v1", "http://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 wss", "/ip4/10.0.0.5/tcp/1234/wss", "/rpc/v1", "https://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 tls http", "/ip4/10.0.0.5/tcp/1234/tls/http", "/rpc/v1", "https://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 tls ws", "/ip4/10.0.0.5/tcp/1234/tls/ws", "/rpc/v1", "https://10.0.0.5:1234/rpc/v1", "", ""},
	{"ip4 unspecified", "/ip4/0.0.0.0/tcp/1234/http", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", "", ""},
	{"ip6", "/ip6/2001:db8::7/tcp/2345/http", "/rpc/v0", "http://[2001:db8::7]:2345/rpc/v0", "", ""},
	{"ip6 loopback", "/ip6/::1/tcp/2345", "/rpc/v0", "http://[::1]:2345/rpc/v0", "", ""},
	{"ip6 unspecified", "/ip6/::/tcp/2345/ws", "/rpc/v0", "http://[::1]:2345/rpc/v0", "", ""},
	{"dns", "/dns/lotus.example.com/tcp/1234/https", "/rpc/v1", "https://lotus.example.com:1234/rpc/v1", "", ""},
	{"dns4", "/dns4/lotus-node/tcp/1234/http", "/rpc/v1", "http://lotus-node:1234/rpc/v1", "", ""},
	{"dns6", "/dns6/lotus6.example.com/tcp/1234/wss", "/rpc/v1", "https://lotus6.example.com:1234/rpc/v1", "", ""},
	{"token", testToken + ":/ip4/127.0.0.1/tcp/1234/http", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", testToken, ""},
	{"token empty signature", "a.b.:/ip4/127.0.0.1/tcp/1234/http", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", "a.b.", ""},
	{"surrounding space", " " + testToken + ":/ip4/127.0.0.1/tcp/1234/http\n", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", testToken, ""},
	{"url http", "http://127.0.0.1:1234", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", "", ""},
	{"url with token", testToken + ":https://lotus.example.com:1234", "/rpc/v1", "https://lotus.example.com:1234/rpc/v1", testToken, ""},
	{"url ws", "ws://127.0.0.1:1234/rpc/v1", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", "", ""},
	{"url wss trailing slash", "wss://[::1]:2345/rpc/v0/", "/rpc/v0", "https://[::1]:2345/rpc/v0", "", ""},
	{"url proxy prefix", "https://proxy.example.com/lotus", "/rpc/v1", "https://proxy.example.com/lotus/rpc/v1", "", ""},
	// Lotus's auth takes the token from a ?token= query too; it goes into the header instead.
	{"url query token", "http://127.0.0.1:1234/rpc/v1?token=" + testToken, "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", testToken, ""},
	{"url ws query token", "ws://127.0.0.1:1234/rpc/v0?token=" + testToken, "/rpc/v0", "http://127.0.0.1:1234/rpc/v0", testToken, ""},
	{"url wss query token without path", "wss://lotus.example.com:1234?token=" + testToken + "#x", "/rpc/v1", "https://lotus.example.com:1234/rpc/v1", testToken, ""},
	{"url query token among others", "http://127.0.0.1:1234/?a=1&token=" + testToken + "&b=2", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", testToken, ""},
	{"url query token and token before", testToken + ":http://127.0.0.1:1234?token=other.token.value", "/rpc/v1", "http://127.0.0.1:1234/rpc/v1", testToken, ""},

	{"empty", "", "/rpc/v1", "", "", "empty value"},
	{"token only", testToken + ":", "/rpc/v1", "", "", "neither"},
	{"bad ip4", "/ip4/1.2.3/tcp/1234", "/rpc/v1", "", "", `malformed multiaddr: bad IPv4 address; expected TOKEN:/ip4/HOST/tcp/PORT/http`},
	{"v6 in ip4", "/ip4/::1/tcp/1234", "/rpc/v1", "", "", `bad IPv4 address`},
	{"v4 in ip6", "/ip6/127.0.0.1/tcp/1234", "/rpc/v1", "", "", `bad IPv6 address`},
	{"ip6 brackets", "/ip6/[::1]/tcp/1234", "/rpc/v1", "", "", `bad IPv6 address`},
	{"ip6 zone", "/ip6/fe80::1%eth0/tcp/1234", "/rpc/v1", "", "", `bad IPv6 address`},
	{"bad dns name", "/dns/lotus:1/tcp/1234", "/rpc/v1", "", "", `bad host name`},
	{"empty dns name", "/dns//tcp/1234", "/rpc/v1", "", "", `bad host name`},
	{"port 0", "/ip4/127.0.0.1/tcp/0", "/rpc/v1", "", "", `bad port`},
	{"port 70000", "/ip4/127.0.0.1/tcp/70000", "/rpc/v1", "", "", `bad port`},
	{"port not numeric", "/ip4/127.0.0.1/tcp/http", "/rpc/v1", "", "", `bad port`},
	{"unknown protocol", "/ip4/127.0.0.1/udp/1234", "/rpc/v1", "", "", "missing /tcp/PORT"},
	{"unknown host protocol", "/unix/tmp/lotus.sock", "/rpc/v1", "", "", `unsupported protocol`},
	{"missing tcp", "/ip4/127.0.0.1", "/rpc/v1", "", "", "missing /tcp/PORT"},
	{"missing host", "/ip4", "/rpc/v1", "", "", "missing host"},
	{"unknown suffix", "/ip4/127.0.0.1/tcp/1234/quic", "/rpc/v1", "", "", `unsupported suffix`},
	{"trailing junk", "/ip4/127.0.0.1/tcp/1234/http/extra", "/rpc/v1", "", "", `unsupported suffix`},
	{"trailing slash", "/ip4/127.0.0.1/tcp/1234/", "/rpc/v1", "", "", `unsupported suffix`},
	{"token bad multiaddr", testToken + ":/ip4/1.2.3/tcp/1", "/rpc/v1", "", "", "bad IPv4"},
	{"token bad port", testToken + ":/ip4/127.0.0.1/tcp/99999/http", "/rpc/v1", "", "", "bad port"},
	{"not a jwt", "secret:/ip4/127.0.0.1/tcp/1234", "/rpc/v1", "", "", "neither"},
	{"url bad port", "http://127.0.0.1:70000", "/rpc/v1", "", "", `bad port`},
	{"url no host", testToken + ":http://:1234", "/rpc/v1", "", "", `bad host`},
	{"url ip6 unbracketed", "ws://::", "/rpc/v1", "", "", `bad host`},
	{"url userinfo", "http://user:" + testToken + "@127.0.0.1:1234", "/rpc/v1", "", "", "user:password"},
	{"url wrong version", "http://127.0.0.1:1234/rpc/v0", "/rpc/v1", "", "", `path "/rpc/v0" is not /rpc/v1`},
	{"url query token bad port", "http://127.0.0.1:70000/rpc/v1?token=" + testToken, "/rpc/v1", "", "", `bad port`},
	{"url unparsable", testToken + ":http://127.0.0.1:12a4", "/rpc/v1", "", "", "malformed URL"},
	{"unknown scheme", "ftp://127.0.0.1:1234", "/rpc/v1", "", "", "neither"},
}

func TestParseAPIInfo(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := ParseAPIInfo(tt.info, tt.rpcPath, "TEST_API_INFO")
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got %v, want error containing %q", ep, tt.wantErr)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.wantErr) || !strings.HasPrefix(msg, "TEST_API_INFO: ") {
					t.Errorf("error %q: want prefix %q and substring %q", msg, "TEST_API_INFO: ", tt.wantErr)
				}
				if strings.Contains(msg, testToken) || strings.Contains(msg, "\n") {
					t.Errorf("error leaks the token or spans lines: %q", msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Endpoint{URL: tt.wantURL, Token: tt.wantTok, Source: "TEST_API_INFO"}
			if ep != want {
				t.Errorf("got %+v, want %+v", ep, want)
			}
		})
	}
}

func TestEndpointStringHidesToken(t *testing.T) {
	ep := Endpoint{URL: "http://127.0.0.1:1234/rpc/v1", Token: testToken, Source: "FULLNODE_API_INFO"}
	got := ep.String()
	if want := "http://127.0.0.1:1234/rpc/v1 (from FULLNODE_API_INFO)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func FuzzParseAPIInfo(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.info)
	}
	f.Fuzz(func(t *testing.T, info string) {
		ep, err := ParseAPIInfo(info, "/rpc/v1", "FUZZ")
		if err != nil {
			// Errors never quote the value, so no part of a token can reach a log.
			if tok, _, ok := strings.Cut(strings.TrimSpace(info), ":"); ok && len(tok) >= 8 && strings.Contains(err.Error(), tok) {
				t.Errorf("error %q contains the token %q", err, tok)
			}
			if _, query, ok := strings.Cut(info, "?"); ok && len(query) >= 8 && strings.Contains(err.Error(), query) {
				t.Errorf("error %q contains the query %q", err, query)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			return
		}
		u, err := url.Parse(ep.URL)
		if err != nil {
			t.Fatalf("ParseAPIInfo(%q) gave unparsable URL %q: %v", info, ep.URL, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			t.Errorf("ParseAPIInfo(%q) gave URL %q, want http(s)://HOST", info, ep.URL)
		}
		if !strings.HasSuffix(u.Path, "/rpc/v1") {
			t.Errorf("ParseAPIInfo(%q) gave URL %q, want path ending in /rpc/v1", info, ep.URL)
		}
		if strings.ContainsAny(ep.URL, "?#") {
			t.Errorf("ParseAPIInfo(%q) gave URL %q, want no query: it may hold a token", info, ep.URL)
		}
	})
}
