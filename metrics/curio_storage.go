// Curio's storage paths: what each holds, how full it is, whether its heartbeat and URLs are alive.
package metrics

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// CurioStorage reports storage_path and sector_path_url_liveness. A figure Curio has not
// filled in for a path is left out, not written as 0.
type CurioStorage struct{}

var _ Collector = CurioStorage{}

var (
	curioStorageInfoDesc = prometheus.NewDesc("lotus_curio_storage_info",
		"1 for each storage path of the Curio cluster, with what it may hold.", []string{"storage_id", "urls", "can_seal", "can_store", "groups"}, nil)
	curioStorageCapacityDesc = prometheus.NewDesc("lotus_curio_storage_capacity_bytes",
		"Size of the filesystem holding the path.", []string{"storage_id"}, nil)
	curioStorageAvailableDesc = prometheus.NewDesc("lotus_curio_storage_available_bytes",
		"Space Curio can still use on the path.", []string{"storage_id"}, nil)
	curioStorageFSAvailableDesc = prometheus.NewDesc("lotus_curio_storage_fs_available_bytes",
		"Free space of the filesystem.", []string{"storage_id"}, nil)
	curioStorageReservedDesc = prometheus.NewDesc("lotus_curio_storage_reserved_bytes",
		"Space reserved for sector files being written.", []string{"storage_id"}, nil)
	curioStorageUsedDesc = prometheus.NewDesc("lotus_curio_storage_used_bytes",
		"Space used by Curio's sector files on the path.", []string{"storage_id"}, nil)
	curioStorageMaxDesc = prometheus.NewDesc("lotus_curio_storage_max_bytes",
		"The path's storage limit, where one is set.", []string{"storage_id"}, nil)
	curioStorageHeartbeatDesc = prometheus.NewDesc("lotus_curio_storage_heartbeat_timestamp_seconds",
		"When the path last reported its space: an old time is a path gone quiet.", []string{"storage_id"}, nil)
	curioStorageURLLiveDesc = prometheus.NewDesc("lotus_curio_storage_url_live",
		"1 when the newest liveness check of the path's URL found it live, else 0.", []string{"storage_id", "url"}, nil)
)

// Name implements Collector.
func (CurioStorage) Name() string { return "curio_storage" }

// Needs implements Collector.
func (CurioStorage) Needs() Need { return NeedCurioDB }

// Update implements Collector.
func (CurioStorage) Update(ctx context.Context, src *Sources, ch chan<- prometheus.Metric) error {
	paths, pathsErr := src.Curio.StoragePaths(ctx)
	for _, p := range paths {
		ch <- constMetric(curioStorageInfoDesc, prometheus.GaugeValue, 1, p.ID, p.URLs, strconv.FormatBool(p.CanSeal), strconv.FormatBool(p.CanStore), p.Groups)
		for desc, v := range map[*prometheus.Desc]*int64{
			curioStorageCapacityDesc:    p.Capacity,
			curioStorageAvailableDesc:   p.Available,
			curioStorageFSAvailableDesc: p.FSAvailable,
			curioStorageReservedDesc:    p.Reserved,
			curioStorageUsedDesc:        p.Used,
		} {
			if v != nil {
				ch <- constMetric(desc, prometheus.GaugeValue, float64(*v), p.ID)
			}
		}
		if p.MaxStorage != nil && *p.MaxStorage > 0 {
			ch <- constMetric(curioStorageMaxDesc, prometheus.GaugeValue, float64(*p.MaxStorage), p.ID)
		}
		if !p.LastHeartbeat.IsZero() {
			ch <- constMetric(curioStorageHeartbeatDesc, prometheus.GaugeValue, unixSeconds(p.LastHeartbeat), p.ID)
		}
	}
	urls, urlsErr := src.Curio.StorageURLs(ctx)
	for _, u := range urls {
		ch <- constMetric(curioStorageURLLiveDesc, prometheus.GaugeValue, boolValue(u.Live), u.StorageID, u.URL)
	}
	return joinDistinct(pathsErr, urlsErr)
}
