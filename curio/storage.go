// Storage paths: what each holds and how full it is, and whether each of its URLs answers.
package curio

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Every column but storage_id may be NULL (20230712-sector_index.sql). heartbeat_err is not
// read: Curio's code never fills it; an old last_heartbeat is the sign of a path gone quiet.
const qStoragePaths = `SELECT storage_id, urls, can_seal, can_store, groups,
	capacity, available, fs_available, reserved, used, max_storage, last_heartbeat
FROM curio.storage_path ORDER BY storage_id LIMIT $1`

// StoragePath is one storage path of the cluster. A figure the row does not have is nil.
type StoragePath struct {
	ID                          string
	URLs                        string // comma-separated
	CanSeal, CanStore           bool
	Groups                      string // comma-separated
	Capacity, Available         *int64
	FSAvailable, Reserved, Used *int64
	MaxStorage                  *int64 // 0 or nil: no limit
	LastHeartbeat               time.Time
}

// StoragePaths reads storage_path, by storage ID.
func (db *DB) StoragePaths(ctx context.Context) ([]StoragePath, error) {
	return readList(ctx, db, "storage_path", qStoragePaths, func(r pgx.Rows) (p StoragePath, err error) {
		var urls, groups *string
		var canSeal, canStore *bool
		var heartbeat *time.Time
		err = r.Scan(&p.ID, &urls, &canSeal, &canStore, &groups,
			&p.Capacity, &p.Available, &p.FSAvailable, &p.Reserved, &p.Used, &p.MaxStorage, &heartbeat)
		p.URLs, p.Groups, p.CanSeal, p.CanStore = deref(urls), deref(groups), deref(canSeal), deref(canStore)
		p.LastHeartbeat = deref(heartbeat)
		return p, err
	})
}

// Each check of a URL sets last_checked and either last_live or last_dead
// (20240417-sector_index_gc.sql): the newer of the two is the newest check's outcome.
const qStorageURLs = `SELECT storage_id, url,
	last_live IS NOT NULL AND (last_dead IS NULL OR last_live > last_dead)
FROM curio.sector_path_url_liveness ORDER BY storage_id, url LIMIT $1`

// StorageURL is a URL of a storage path and whether its newest liveness check found it live.
type StorageURL struct {
	StorageID, URL string
	Live           bool
}

// StorageURLs reads sector_path_url_liveness.
func (db *DB) StorageURLs(ctx context.Context) ([]StorageURL, error) {
	return readList(ctx, db, "sector_path_url_liveness", qStorageURLs, func(r pgx.Rows) (u StorageURL, err error) {
		return u, r.Scan(&u.StorageID, &u.URL, &u.Live)
	})
}
