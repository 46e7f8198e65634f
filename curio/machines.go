// The cluster's machines, and the miners they serve.
package curio

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// A machine refreshes last_contact every minute, and rows older than about ten minutes are
// deleted (harmony/resources): the table holds the live machines. Their details row may be
// missing, or lack version (added by 20260501-machine-detail-version.sql): reading version
// from the row as JSON keeps the machines of an older Curio readable.
const qMachines = `SELECT m.id, m.host_and_port, m.last_contact, m.cpu, m.ram, m.gpu, m.unschedulable,
	d.machine_name, d.startup_time, to_jsonb(d) ->> 'version'
FROM curio.harmony_machines m LEFT JOIN curio.harmony_machine_details d ON d.machine_id = m.id
ORDER BY m.id LIMIT $1`

// Machine is one machine of the cluster.
type Machine struct {
	ID            int64
	Name          string // machine_name, else host_and_port; made unique with "/<id>" when two share one
	HostAndPort   string
	Version       string // "" when not known
	LastContact   time.Time
	Startup       time.Time // zero when not known
	Unschedulable bool      // cordoned
	CPUs          int64
	GPUs          float64
	MemoryBytes   int64
}

// Machines reads the machines, by ID.
func (db *DB) Machines(ctx context.Context) ([]Machine, error) {
	out, err := readList(ctx, db, "harmony_machines, harmony_machine_details", qMachines, func(r pgx.Rows) (m Machine, err error) {
		var unschedulable *bool
		var name, version *string
		var startup *time.Time
		err = r.Scan(&m.ID, &m.HostAndPort, &m.LastContact, &m.CPUs, &m.MemoryBytes, &m.GPUs, &unschedulable, &name, &startup, &version)
		m.Name, m.Version = cmp.Or(deref(name), m.HostAndPort), deref(version)
		m.Unschedulable, m.Startup = deref(unschedulable), deref(startup)
		return m, err
	})
	names := map[string]int{}
	for _, m := range out {
		names[m.Name]++
	}
	for i, m := range out {
		if names[m.Name] > 1 {
			out[i].Name += "/" + strconv.FormatInt(m.ID, 10)
		}
	}
	return out, err
}

// Each machine writes the miners of its configuration as a sorted, comma-separated list of
// addresses (cmd/curio/tasks/tasks.go, machineDetails).
const qMiners = `SELECT miners FROM curio.harmony_machine_details WHERE miners IS NOT NULL LIMIT $1`

// Miners are the miners the cluster's live machines serve, as ID addresses (f01234), sorted.
// The machines' own list is the configuration's, without reading the configuration: it names
// a miner before it seals or wins anything, and no longer names one removed from every
// machine, whose old rows stay in the pipeline and PoSt tables.
func (db *DB) Miners(ctx context.Context) ([]string, error) {
	lists, err := readList(ctx, db, "harmony_machine_details", qMiners, func(r pgx.Rows) (list string, err error) {
		return list, r.Scan(&list)
	})
	var out []string
	for _, list := range lists {
		for a := range strings.SplitSeq(list, ",") {
			if a = strings.TrimSpace(a); lotusapi.IsMinerID(a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), err
}
