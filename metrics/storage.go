// Storage paths known to lotus-miner's index: what each is for, how full it is, whether it answers.
package metrics

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Storage reports every sealing and storage path, local to the miner or on a worker. A
// path whose space cannot be read (a worker or remote store that is down) is a fact about
// the miner: it gets lotus_miner_storage_stat_error 1, and the collector still succeeds.
type Storage struct{}

var _ Collector = Storage{}

var (
	storageInfoDesc = prometheus.NewDesc("lotus_miner_storage_info",
		"1 for each storage path, with where it is and what it may hold.",
		[]string{"storage_id", "path", "url", "host", "can_seal", "can_store", "weight"}, nil)
	storageCapacityDesc = prometheus.NewDesc("lotus_miner_storage_capacity_bytes",
		"Size of the filesystem holding the path.", []string{"storage_id"}, nil)
	storageAvailableDesc = prometheus.NewDesc("lotus_miner_storage_available_bytes",
		"Space Lotus can still use on the path (free space minus reservations, within its limit).", []string{"storage_id"}, nil)
	storageFSAvailableDesc = prometheus.NewDesc("lotus_miner_storage_fs_available_bytes",
		"Free space of the filesystem.", []string{"storage_id"}, nil)
	storageReservedDesc = prometheus.NewDesc("lotus_miner_storage_reserved_bytes",
		"Space reserved for sector files being written.", []string{"storage_id"}, nil)
	storageUsedDesc = prometheus.NewDesc("lotus_miner_storage_used_bytes",
		"Space used by Lotus's sector files on the path.", []string{"storage_id"}, nil)
	storageMaxDesc = prometheus.NewDesc("lotus_miner_storage_max_bytes",
		"The path's MaxStorage limit, where one is set.", []string{"storage_id"}, nil)
	storageStatErrorDesc = prometheus.NewDesc("lotus_miner_storage_stat_error",
		"1 when lotus-miner could not read the path's space this run (an unreachable worker or remote store), else 0.", []string{"storage_id"}, nil)
)

// storagePaths is the path list kept between runs. StorageList, the only call that names
// the paths of workers, also declares every sector file (a million entries on a large
// miner), so it is read at most once an hour, or at once when a new local path appears.
type storagePaths struct {
	IDs  []string  `json:"ids"`
	Read time.Time `json:"read"`
}

// storageListEvery is how often the path list is read again.
const storageListEvery = time.Hour

// Name implements Collector.
func (Storage) Name() string { return "storage" }

// Needs implements Collector.
func (Storage) Needs() Need { return NeedLotusMiner }

// Update implements Collector.
func (Storage) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	m := src.Miner
	local, err := m.StorageLocal(ctx)
	if err != nil {
		return err
	}
	ids, listErr := storageIDs(ctx, src, local)
	if len(ids) == 0 && listErr != nil {
		return listErr
	}

	// Per path: StorageInfo says what it is; a failed StorageStat is the path's own fact.
	errs := make([]error, len(ids))
	calls := make([]func() error, len(ids))
	for i, id := range ids {
		calls[i] = func() error {
			info, err := m.StorageInfo(ctx, id)
			if err != nil {
				errs[i] = fmt.Errorf("path %s: %w", id, err)
				return nil
			}
			var u, host string
			if len(info.URLs) > 0 {
				u = info.URLs[0]
				if parsed, err := url.Parse(u); err == nil {
					host = parsed.Hostname()
				}
			}
			ch <- constMetric(storageInfoDesc, prometheus.GaugeValue, 1, id, local[id], u, host,
				strconv.FormatBool(info.CanSeal), strconv.FormatBool(info.CanStore), strconv.FormatUint(info.Weight, 10))
			if info.MaxStorage > 0 {
				ch <- constMetric(storageMaxDesc, prometheus.GaugeValue, float64(info.MaxStorage), id)
			}
			st, err := m.StorageStat(ctx, id)
			if !statAnswered(err) {
				errs[i] = fmt.Errorf("path %s: %w", id, err)
				return nil
			}
			ch <- constMetric(storageStatErrorDesc, prometheus.GaugeValue, boolValue(err != nil), id)
			if err != nil {
				return nil
			}
			ch <- constMetric(storageCapacityDesc, prometheus.GaugeValue, float64(st.Capacity), id)
			ch <- constMetric(storageAvailableDesc, prometheus.GaugeValue, float64(st.Available), id)
			ch <- constMetric(storageFSAvailableDesc, prometheus.GaugeValue, float64(st.FSAvailable), id)
			ch <- constMetric(storageReservedDesc, prometheus.GaugeValue, float64(st.Reserved), id)
			ch <- constMetric(storageUsedDesc, prometheus.GaugeValue, float64(st.Used), id)
			return nil
		}
	}
	_ = parallel(calls...) // the calls keep their errors in errs
	return joinErrs(append(errs, listErr)...)
}

// statAnswered reports whether StorageStat's outcome is an answer about the path: its space,
// or lotus-miner saying it could not read it. A refused token or a miner that stopped
// answering says nothing about the path.
func statAnswered(err error) bool { return err == nil || lotusapi.IsNodeAnswer(err) }

// storageIDs returns the path list: the one kept from an earlier run while it is younger
// than storageListEvery and knows every local path, else StorageList read again. The local
// paths are always included (a path without sectors may be missing from StorageList).
func storageIDs(ctx context.Context, src *Sources, local map[string]string) ([]string, error) {
	var kept *storagePaths
	src.State.update(func(f *stateFile) { kept = f.StoragePaths })
	fresh := kept != nil && src.Now.Sub(kept.Read) < storageListEvery && src.Now.Sub(kept.Read) >= 0
	for id := range local {
		if fresh && !slices.Contains(kept.IDs, id) {
			fresh = false // a path attached since: read the list now
		}
	}
	var ids []string
	if fresh {
		ids = slices.Clone(kept.IDs)
	} else {
		listed, err := src.Miner.StorageList(ctx)
		if err != nil {
			if kept == nil {
				return nil, err
			}
			// The kept list still names the paths; the refresh is tried again next run.
			return withLocal(slices.Clone(kept.IDs), local), err
		}
		ids = listed
		src.State.update(func(f *stateFile) { f.StoragePaths = &storagePaths{IDs: slices.Clone(listed), Read: src.Now} })
	}
	return withLocal(ids, local), nil
}

// withLocal adds the local paths ids lacks, sorted for a stable order.
func withLocal(ids []string, local map[string]string) []string {
	for id := range local {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids[:min(len(ids), maxItems)]
}
