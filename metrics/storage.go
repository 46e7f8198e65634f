// Storage paths known to lotus-miner's index: what each is for and how full it is.
package metrics

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Storage reports every sealing and storage path, local to the miner or on a worker. A
// path whose space cannot be read keeps its info series; only its space series are absent.
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
)

// Name implements Collector.
func (Storage) Name() string { return "storage" }

// Update implements Collector.
func (Storage) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	if src.Miner == nil {
		return errMinerDown
	}
	m := src.Miner
	var (
		ids   []string
		local map[string]string
	)
	err := parallel(
		func() (err error) { ids, err = m.StorageList(ctx); return wrap("StorageList", err) },
		func() (err error) { local, err = m.StorageLocal(ctx); return wrap("StorageLocal", err) },
	)
	if err != nil {
		return err
	}
	for id := range local {
		if !slices.Contains(ids, id) {
			ids = append(ids, id) // a local path the index lists no sectors for
		}
	}

	calls := make([]func() error, 0, 2*len(ids))
	for _, id := range ids {
		calls = append(calls,
			func() error {
				info, err := m.StorageInfo(ctx, id)
				if err != nil {
					return fmt.Errorf("StorageInfo %s: %w", id, err)
				}
				var u, host string
				if len(info.URLs) > 0 {
					u = info.URLs[0]
					if parsed, err := url.Parse(u); err == nil {
						host = parsed.Hostname()
					}
				}
				ch <- prometheus.MustNewConstMetric(storageInfoDesc, prometheus.GaugeValue, 1, id, local[id], u, host,
					strconv.FormatBool(info.CanSeal), strconv.FormatBool(info.CanStore), strconv.FormatUint(info.Weight, 10))
				return nil
			},
			func() error {
				st, err := m.StorageStat(ctx, id)
				if err != nil {
					return fmt.Errorf("StorageStat %s: %w", id, err)
				}
				ch <- prometheus.MustNewConstMetric(storageCapacityDesc, prometheus.GaugeValue, float64(st.Capacity), id)
				ch <- prometheus.MustNewConstMetric(storageAvailableDesc, prometheus.GaugeValue, float64(st.Available), id)
				ch <- prometheus.MustNewConstMetric(storageFSAvailableDesc, prometheus.GaugeValue, float64(st.FSAvailable), id)
				ch <- prometheus.MustNewConstMetric(storageReservedDesc, prometheus.GaugeValue, float64(st.Reserved), id)
				ch <- prometheus.MustNewConstMetric(storageUsedDesc, prometheus.GaugeValue, float64(st.Used), id)
				return nil
			})
	}
	return summarize(parallel(calls...))
}
