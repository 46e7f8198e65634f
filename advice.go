// What went wrong, in words a provider can act on: the one place an error gets its fix, for stderr and --check alike.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/lotus-farcaster/lotus-farcaster/curio"
	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
	"github.com/lotus-farcaster/lotus-farcaster/metrics"
)

// advice names what to do about err, or "" when nothing but the error itself can be said.
func advice(err error) string {
	var ce *lotusapi.CallError
	isCall := errors.As(err, &ce)
	switch {
	case metrics.IsConsequence(err):
		return "see the API above"
	case errors.Is(err, context.DeadlineExceeded):
		return "the API is slow: raise --timeout, or look at the node's load"
	case isCall && ce.Kind == lotusapi.KindPermission:
		return adminToken(ce.API)
	case isCall && ce.Kind == lotusapi.KindUnauthorized:
		return "the token is not this node's: " + strings.TrimPrefix(adminToken(ce.API), "use ")
	case metrics.IsNotAMiner(err):
		return "check the miner ID (--miner), and that the daemon runs on the miner's network"
	case isCall && ce.Kind == lotusapi.KindUnreachable:
		return "start it, or check the address it was found at"
	}
	if curio.IsUnreachable(err) {
		return "start it, or check CURIO_DB_HOST and CURIO_DB_PORT (or --curio-db)"
	}
	switch curio.SQLState(err) {
	case "28P01", "28000":
		return "the user or password is not the database's: set CURIO_DB_USER and CURIO_DB_PASSWORD, or --curio-db, as Curio has them"
	case "42501":
		return "let the exporter's database user read that table: docs/curio.md gives the GRANT"
	case "42P01", "42703":
		return "an older Curio lacks that table or column: upgrading Curio brings it"
	}
	return ""
}

// writeFix names the command that lets the user running lotus-farcaster write in dir.
func writeFix(dir string) string {
	me := userName(os.Getuid())
	return fmt.Sprintf("let %s write there: sudo setfacl -m u:%s:rwx %s (Debian package acl), or re-run install.sh, which grants it", me, me, dir)
}

// adminToken names the token that has every permission the exporter uses.
func adminToken(api string) string {
	if api == "miner" {
		return "use lotus-miner's admin token: the repo's token file, or `lotus-miner auth api-info --perm admin`"
	}
	return "use the daemon's admin token: the repo's token file, or `lotus auth api-info --perm admin`"
}

// apiProblem describes why an API could not be used: a refused token is not an outage.
func apiProblem(err error) string {
	switch lotusapi.KindOf(err) {
	case lotusapi.KindUnauthorized:
		return "refused the token (HTTP 401)"
	case lotusapi.KindPermission:
		return "token lacks a permission: " + err.Error()
	case lotusapi.KindUnreachable:
		return "unreachable: " + err.Error()
	case lotusapi.KindTimeout:
		return "did not answer in time"
	}
	return "not usable: " + err.Error()
}

// logAPIProblems says once per source why it is not usable, and what to do.
func logAPIProblems(log *slog.Logger, node *metrics.Node, f found) {
	say := func(what string, err error, url, source string) {
		attrs := []any{"url", url, "source", source}
		if fix := advice(err); fix != "" {
			attrs = append(attrs, "fix", fix)
		}
		log.Error(what, attrs...)
	}
	if f.daemon != nil && node.Daemon == nil {
		say("daemon API "+apiProblem(node.DaemonErr), node.DaemonErr, f.daemon.URL, f.daemon.Source)
	}
	if f.miner != nil && node.Miner == nil {
		say("miner API "+apiProblem(node.MinerErr), node.MinerErr, f.miner.URL, f.miner.Source)
	}
	if f.curio != nil && node.Curio == nil {
		say(oneLine(node.CurioErr), node.CurioErr, f.curio.Redacted(), f.curio.Source)
	}
}

// logFailures writes one stderr line per cause, not per collector: an API that was down is
// already said, a slow node that made several collectors run out of time is one line, a
// token that lacks a permission is one line per API, a miner ID the chain has no miner for
// is one line, and one method that failed for several collectors (StateMinerInfo, say) is
// one line.
func logFailures(log *slog.Logger, result *metrics.Run, minerID string, conf config) (failed bool) {
	type cause struct{ msg, fix string }
	var order []cause
	byCause := map[cause][]string{}
	// A token short of permissions is one line per API, naming the strongest one missing.
	need := map[string]string{}
	var refused []string
	for _, o := range result.Failed() {
		var ce *lotusapi.CallError
		if errors.As(o.Err, &ce) && ce.Kind == lotusapi.KindPermission {
			refused = append(refused, o.Name)
			if permissionRank(ce.Need) > permissionRank(need[ce.API]) {
				need[ce.API] = ce.Need
			}
		}
	}
	for _, o := range result.Failed() {
		var ce *lotusapi.CallError
		c := cause{fix: advice(o.Err)}
		switch {
		case metrics.IsConsequence(o.Err):
			continue
		case errors.Is(o.Err, context.DeadlineExceeded):
			c = cause{msg: "collectors ran out of time; raise --timeout or look at the slow Lotus API"}
		case errors.As(o.Err, &ce) && ce.Kind == lotusapi.KindPermission:
			c.msg = fmt.Sprintf("the %s API token lacks the %q permission", ce.API, need[ce.API])
			c.fix += ", or leave out what it cannot serve (docs/permissions.md): " + leaveOut(conf, refused)
		case metrics.IsNotAMiner(o.Err):
			c.msg = fmt.Sprintf("the daemon knows no miner %s at its head", minerID)
		case errors.As(o.Err, &ce):
			// One failed method is one cause, whatever each collector was reading with it.
			c.msg = oneLine(ce)
		default:
			c.msg = oneLine(o.Err)
		}
		if _, seen := byCause[c]; !seen {
			order = append(order, c)
		}
		byCause[c] = append(byCause[c], o.Name)
	}
	for _, c := range order {
		names := strings.Join(byCause[c], ",")
		switch {
		case strings.HasPrefix(c.msg, "collectors ran out of time"):
			log.Error(c.msg, "timeout", conf.timeout, "collectors", names)
		case c.fix != "":
			log.Error(c.msg, "collectors", names, "fix", c.fix)
		case len(byCause[c]) > 1:
			log.Error("collectors failed", "collectors", names, "err", c.msg)
		default:
			log.Error("collector failed", "collector", names, "err", c.msg)
		}
	}
	return len(result.Failed()) > 0
}

// leaveOut is the --collectors flag that runs what c runs but the collectors named: a token
// short of a permission can be chosen knowingly (docs/permissions.md). Of the two spellings
// that say so, the shorter.
func leaveOut(c config, names []string) string {
	var kept, left []string
	for _, col := range allCollectors() {
		switch n := col.Name(); {
		case !slices.Contains(names, n) && (slices.Contains(c.collectors, col) || slices.Contains(c.clusterCollectors, col)):
			kept = append(kept, n)
		default:
			left = append(left, n)
		}
	}
	if len(kept) < len(left) {
		return "--collectors " + strings.Join(kept, ",")
	}
	return "--collectors -" + strings.Join(left, ",-")
}

// permissionRank orders Lotus's permissions; each includes those before it.
func permissionRank(p string) int { return slices.Index([]string{"read", "write", "sign", "admin"}, p) }

// oneLine joins the lines of an error that holds several (errors.Join), for a single log line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
