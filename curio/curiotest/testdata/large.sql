-- A large cluster's database: 2,000,000 finished task attempts over 30 days, 100,000 sectors
-- in the porep pipeline of f01234 (every stage, 2% failed), 50 machines, a month of mining and
-- WindowPoSt, a queue, storage paths and alerts. Times are relative to now().
INSERT INTO harmony_machines (id, host_and_port, last_contact, cpu, ram, gpu, unschedulable)
SELECT i, '10.0.' || i || '.1:12300', now(), 64, 274877906944, 2, false FROM generate_series(1, 50) i;
INSERT INTO harmony_machine_details (machine_id, machine_name, startup_time, version, miners, tasks, layers)
SELECT i, 'machine-' || i, now() - interval '1 day', '1.28.1', 'f01234', 'SDR,TreeD,TreeRC,PoRep,WdPost', 'base,seal'
FROM generate_series(1, 50) i;

INSERT INTO harmony_task (name, posted_time, owner_id, added_by)
SELECT (ARRAY['SDR','TreeD','TreeRC','PoRep','Finalize','MoveStorage','WdPost','WinPost'])[1 + i % 8],
	now() - make_interval(secs => i), CASE WHEN i % 3 = 0 THEN 1 + i % 50 END, 1
FROM generate_series(1, 500) i;

INSERT INTO harmony_task_history (task_id, name, posted, work_start, work_end, result, err, completed_by_host_and_port)
SELECT i, (ARRAY['SDR','TreeD','TreeRC','SyntheticProofs','PreCommitBatch','PoRep','Finalize','MoveStorage',
		'CommitBatch','WdPost','WdPostSubmit','WinPost','UpdateEncode','UpdateProve','ParkPiece'])[1 + i % 15],
	now() - make_interval(secs => i * 1.3 + 600), now() - make_interval(secs => i * 1.3 + 300),
	now() - make_interval(secs => i * 1.3), i % 10 <> 0, CASE WHEN i % 10 = 0 THEN 'task failed' END, '10.0.' || (i % 50) || '.1:12300'
FROM generate_series(1, 2000000) i;

INSERT INTO sectors_sdr_pipeline (sp_id, sector_number, create_time, reg_seal_proof,
	after_sdr, after_tree_d, after_tree_c, after_tree_r, after_synth, after_precommit_msg, after_precommit_msg_success,
	seed_epoch, after_porep, after_finalize, after_move_storage, after_commit_msg, after_commit_msg_success,
	failed, failed_at, failed_reason)
SELECT 1234, i, now() - make_interval(secs => i), 8,
	i % 14 > 0, i % 14 > 1, i % 14 > 2, i % 14 > 3, i % 14 > 4, i % 14 > 5, i % 14 > 6,
	4999863 + (i % 3) * 10, i % 14 > 8, i % 14 > 9, i % 14 > 10, i % 14 > 11, i % 14 > 12,
	i % 50 = 0, CASE WHEN i % 50 = 0 THEN now() - make_interval(secs => i) END, CASE WHEN i % 50 = 0 THEN 'failed' ELSE '' END
FROM generate_series(1, 100000) i;

INSERT INTO mining_tasks (task_id, sp_id, epoch, base_compute_time, won, mined_cid)
SELECT i, 1234, 4999873 - 86400 + i, now(), i % 100 = 0, CASE WHEN i % 100 = 0 THEN 'bafy-' || i END
FROM generate_series(1, 86400) i;

INSERT INTO wdpost_proofs (sp_id, proving_period_start, deadline, partition, submit_at_epoch, submit_by_epoch, message_cid)
SELECT 1234, 4998816 - p * 2880, d, part, 4998816 - p * 2880 + d * 60, 4998816 - p * 2880 + d * 60 + 60, 'bafy-w' || p || '-' || d
FROM generate_series(0, 29) p, generate_series(0, 47) d, generate_series(0, 3) part;
INSERT INTO message_waits (signed_message_cid, created_at, executed_tsk_cid, executed_tsk_epoch, executed_rcpt_exitcode)
SELECT DISTINCT message_cid, now(), 'bafy-ts', 1, 0 FROM wdpost_proofs;
INSERT INTO message_waits (signed_message_cid, created_at) SELECT 'bafy-pending-' || i, now() - make_interval(secs => i) FROM generate_series(1, 20) i;

INSERT INTO storage_path (storage_id, urls, can_seal, can_store, groups, capacity, available, fs_available, reserved, used, max_storage, last_heartbeat)
SELECT 'path-' || i, 'http://10.0.' || i || '.1:12300/remote', i % 2 = 0, i % 2 = 1, 'g', 1e14, 4e13, 5e13, 0, 6e13, 0, now()
FROM generate_series(1, 20) i;
INSERT INTO sector_path_url_liveness (storage_id, url, last_checked, last_live)
SELECT 'path-' || i, 'http://10.0.' || i || '.1:12300/remote', now(), now() FROM generate_series(1, 20) i;
INSERT INTO alert_conditions (system, subsystem, condition, message) VALUES ('sector-index', 'storage', 'path-1', 'quiet');
ANALYZE;
