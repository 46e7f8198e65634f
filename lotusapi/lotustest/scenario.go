// Scenario: the chain, node and miner state the fake Lotus answers with.
package lotustest

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/lotus-farcaster/lotus-farcaster/lotusapi"
)

// Block delay and the API versions real Lotus v1.36 reports.
const (
	blockDelay   = 30
	v1APIVersion = 131840 // 2.3.0: the daemon's /rpc/v1
	v0APIVersion = 66816  // 1.5.0: lotus-miner and the daemon's /rpc/v0
)

// Scenario is everything the fake daemon and miner answer. The server reads it on every
// call, so a test may change fields between calls, but not while calls are in flight.
type Scenario struct {
	Network        string // StateNetworkName
	NetworkVersion uint
	Genesis        *lotusapi.TipSet
	Head           *lotusapi.TipSet // the last tipset of Chain
	// Chain holds every tipset the node has from some epochs before the head, oldest first:
	// the chain of the head (see chain.go) and the forks Reorg replaced.
	Chain []*lotusapi.TipSet

	// The Lotus release of each API: its Version answer and its error codes. Start reads
	// them once, as a node's release does not change while it serves. Zero is V1_36.
	DaemonVersion LotusVersion
	MinerVersion  LotusVersion
	DaemonStart   time.Time
	MinerStart    time.Time

	SyncState           lotusapi.SyncState
	Peers               []lotusapi.PeerAddrInfo
	NatInfo             lotusapi.NatInfo
	Bandwidth           lotusapi.BandwidthStats
	BandwidthByProtocol map[string]lotusapi.BandwidthStats
	Mpool               []*SignedMessage
	DaemonAlerts        []lotusapi.Alert
	MinerAlerts         []lotusapi.Alert

	MinerID string // the miner actor, answered by ActorAddress
	// OtherMiners are more miners on the same chain and daemon (a Curio cluster's, say):
	// the daemon answers state calls about one of them from its own scenario.
	OtherMiners map[string]*Scenario
	MinerInfo   lotusapi.MinerInfo
	Power       *lotusapi.MinerPower
	BaseInfo    *lotusapi.MiningBaseInfo // nil answers null, as for a miner without power at lookback
	MinerState  lotusapi.MinerState      // served as StateReadState(MinerID).State

	// Actors holds every on-chain actor under each address that resolves to it (ID and key form).
	Actors map[string]lotusapi.Actor
	// AccountKeys maps account ID addresses to their key addresses.
	AccountKeys      map[string]string
	AvailableBalance lotusapi.BigInt
	// Market holds the storage market's escrow and locked funds by ID address; an address
	// without an entry has none. DataCap holds the verified clients' DataCap by ID address.
	Market  map[string]lotusapi.MarketBalance
	DataCap map[string]lotusapi.BigInt

	Wallets       []string
	DefaultWallet string

	// Finality and F3 (finality.go). ECFinalityDepth is the EC finality calculator's depth,
	// -1 when the chain is too unhealthy to meet its guarantee.
	ECFinalityDepth int64
	F3              F3State
	F3Certificate   *F3Certificate // nil: F3 has issued none yet
	F3Participants  []uint64       // actor IDs of the miners taking part in F3 through the daemon

	// Proving state of MinerID. A deadline without partitions is nil, answered as null.
	ProvingDeadline lotusapi.DeadlineInfo
	Deadlines       []lotusapi.Deadline    // 48 entries
	Partitions      [][]lotusapi.Partition // by deadline index
	SectorCount     lotusapi.MinerSectors
	// OnChainSectors is the miner's Sectors AMT, which StateMinerSectors answers (sectors.go).
	OnChainSectors *OnChainSectors

	// Sealing state of lotus-miner. SectorsSummary counts every sector of the miner, each
	// once; Sectors holds the SectorsStatus answers of the sectors not simply Proving.
	SectorsSummary map[string]int
	Sectors        map[uint64]lotusapi.SectorInfo
	// SectorList is what SectorsListInStates filters by Sectors[n].State, in lotus-miner's
	// datastore order; like Lotus it may hold a number twice.
	SectorList    []uint64
	Workers       map[string]lotusapi.WorkerStats // by worker UUID
	Jobs          map[string][]lotusapi.WorkerJob // by worker UUID; finished calls (RunWait < 0) under the all-zero UUID
	SchedRequests []lotusapi.SchedRequest         // queued, not yet assigned to a worker
	Storage       map[string]StoragePath          // by storage ID
}

// StoragePath is one storage path of the miner's index.
type StoragePath struct {
	Info      lotusapi.StorageInfo
	LocalPath string // "" when the path is not local to the miner: absent from StorageLocal
	Stat      lotusapi.FsStat
	// Unreachable makes StorageStat fail, as for a worker's path whose worker is down.
	Unreachable bool
	// Sectors are declared on the path with their sealed and cache files, listed by StorageList.
	Sectors []uint64
}

// AtTime returns a copy of s moved to the wall-clock time now, so a demo looks live: the head
// is the epoch now implies, the whole chain history moves with it (same CIDs, heights and
// timestamps moved), the proving deadline moves along (the same deadline stays open), sync
// workers at the head follow it, and every timestamp (process starts, alerts, sync, sector
// logs, jobs) moves by the same amount. What holds those timestamps is copied; every other
// field is shared with s.
func (s *Scenario) AtTime(now time.Time) *Scenario {
	c := *s
	genesis := int64(s.Genesis.Blocks[0].Timestamp)
	height := (now.Unix() - genesis) / blockDelay
	shift := time.Duration(height-s.Head.Height) * blockDelay * time.Second
	c.Chain = shiftChain(s.Chain, height-s.Head.Height)
	c.Head = c.Chain[slices.Index(s.Chain, s.Head)]
	c.OnChainSectors = s.OnChainSectors.shifted(height - s.Head.Height)

	c.DaemonStart, c.MinerStart = s.DaemonStart.Add(shift), s.MinerStart.Add(shift)
	c.DaemonAlerts, c.MinerAlerts = shiftAlerts(s.DaemonAlerts, shift), shiftAlerts(s.MinerAlerts, shift)
	c.SyncState.ActiveSyncs = slices.Clone(s.SyncState.ActiveSyncs)
	for i := range c.SyncState.ActiveSyncs {
		w := &c.SyncState.ActiveSyncs[i]
		w.Start, w.End = shiftTime(w.Start, shift), shiftTime(w.End, shift)
	}
	c.moveHead(s.Head, c.Head)
	c.Sectors = make(map[uint64]lotusapi.SectorInfo, len(s.Sectors))
	for n, info := range s.Sectors {
		info.Log = slices.Clone(info.Log)
		for i := range info.Log {
			info.Log[i].Timestamp = uint64(int64(info.Log[i].Timestamp) + int64(shift/time.Second))
		}
		c.Sectors[n] = info
	}
	c.Jobs = make(map[string][]lotusapi.WorkerJob, len(s.Jobs))
	for w, jobs := range s.Jobs {
		jobs = slices.Clone(jobs)
		for i := range jobs {
			jobs[i].Start = jobs[i].Start.Add(shift)
		}
		c.Jobs[w] = jobs
	}
	return &c
}

// shiftTime moves t, leaving the zero time (an idle sync worker's) as it is.
func shiftTime(t time.Time, d time.Duration) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(d)
}

func shiftAlerts(alerts []lotusapi.Alert, d time.Duration) []lotusapi.Alert {
	out := slices.Clone(alerts)
	for i := range out {
		for _, e := range []**lotusapi.AlertEvent{&out[i].LastActive, &out[i].LastResolved} {
			if *e != nil {
				moved := **e
				moved.Time = moved.Time.Add(d)
				*e = &moved
			}
		}
	}
	return out
}

// Addresses of the Small scenario, named for their role.
const (
	smallMiner         = "f01234"
	smallOwnerID       = "f0100"
	smallOwnerKey      = "f3rrfc6u4gdpcnfgzzxvgrmiwxr6c5c3bmhtlq3ks7eemv5g5h77zsse2octj7q7upp4gzhfmdytpzlmmiphat"
	smallWorkerID      = "f0101"
	smallWorkerKey     = "f3rnidsyu4pkj37iuki74vwlonhqx6snzfxzzyomwqkii3q5r3pzzfeutdcgbe6qoqlgehvbxti54g34h6k4iw"
	smallControl1ID    = "f0102"
	smallControl1Key   = "f1qc55lcze4jeqozp3ubnimvswxpkqdugrigbcwoi"
	smallControl2ID    = "f0103"
	smallControl2Key   = "f1bb27vwj7j5qww7rh5rbo54qdtqp6yrtckdfgucy"
	smallUnfundedKey   = "f1wq7qnyd7xhk2vieeg4w7imasqokiieb73pkq32e"
	smallStrangerSecp  = "f1jwvqjx3dsfbj3mtyjg4o7h2grihiqyvmycfcf5y"
	smallStrangerBLS   = "f3bnpbiwwkapcjnftvzxeqrwyifcppcjg35wvzd3tulfw4fs34phnz4rqht2xgq5xtg4hsw7kmdywvcwr5o5bc"
	smallStrangerDeleg = "f410fc4us3nbii3rangv3p256deghvqr5eteqjwbxecb"
	smallGenesisTime   = 1598306400
	smallHeadHeight    = 4999873
)

// cest is the nodes' local time zone: Lotus reports times in it, not in UTC.
var cest = time.FixedZone("CEST", 2*60*60)

// Small returns a small, fully deterministic mainnet miner: f01234 with 32 GiB sectors,
// owner f0100 (also beneficiary), worker f0101, controls f0102 and f0103, head at 4999873.
// Amounts are odd attoFIL values that float64 cannot hold exactly. Its miner state is
// described in smallminer.go, its chain history (blocks won, null rounds, block rewards) in
// chain.go and its on-chain sectors in sectors.go. The storage market holds 3.17 FIL of
// f01234's in escrow, 1.21 FIL of it locked; control f0102, whose key is a local wallet,
// has 1124628596523008 bytes of DataCap; the local wallet f1wq7q... never received funds,
// so it is not on chain.
func Small() *Scenario {
	sc := smallChain()
	addSmallMiner(sc)
	return sc
}

// smallChain is Small without the miner's proving, sealing, worker and storage state, which
// Large replaces.
func smallChain() *Scenario {
	genesis := &lotusapi.TipSet{
		Cids: lotusapi.TipSetKey{cid("bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2")},
		Blocks: []lotusapi.BlockHeader{
			{Miner: "f00", Height: 0, Timestamp: smallGenesisTime, ParentBaseFee: bigInt("100000000")},
		},
		Height: 0,
	}
	chain := smallChainHistory()
	head, parent := chain[len(chain)-1], chain[len(chain)-2]
	headTime := time.Unix(int64(head.Blocks[0].Timestamp), 0).In(cest)

	peerID := "12D3KooWWaZL1t38qYQnECMjA34X7bF8JKtBtK22Wzmv59Em5Yqw"
	minerCode := cid("bafk2bzacegkdhgjih6xgbfniuyq3sx4oeudntzx7tqklubcvvx5h3fs2guizr")
	accountCode := cid("bafk2bzace6cya2boeexx7cdabohyroqteesvv36c52unnmra2b5ar3ad23kf4")
	account := func(head string, nonce uint64, balance string) lotusapi.Actor {
		return lotusapi.Actor{Code: accountCode, Head: cid(head), Nonce: nonce, Balance: bigInt(balance)}
	}
	owner := account("bafy2bzaceeuomwy7db4fs3vj7pbwx2lebnmjiqd5xxsz2xosaurhcnxlusxrl", 37, "12345678901234567891")
	worker := account("bafy2bzace5ka2pm4rlw27664xgzig67giqpevzswzm65u4g5femlvlyrmqbku", 48213, "3891274506129384756")
	control1 := account("bafy2bzacegcdq3uvt3kyzassupjm442vr3zq7upskk2kcown34bzeeepy7ypt", 91822, "987654321098765433")
	control2 := account("bafy2bzaceu4etbljjy3litg7vir36ruke4o4perjrjznmjnv2awmobbx4pa23", 12, "42000000000000000017")

	return &Scenario{
		Network:        "mainnet",
		NetworkVersion: 27,
		Genesis:        genesis,
		Head:           head,
		Chain:          chain,
		DaemonVersion:  V1_36,
		MinerVersion:   V1_36,
		DaemonStart:    time.Date(2025, 5, 20, 8, 14, 27, 318402911, cest),
		MinerStart:     time.Date(2025, 5, 21, 19, 3, 55, 77123456, cest),
		SyncState: lotusapi.SyncState{
			ActiveSyncs: []lotusapi.ActiveSync{
				{WorkerID: 1},
				{
					WorkerID: 2, Base: parent, Target: head, Stage: 4, Height: smallHeadHeight,
					Start: headTime.Add(-1713 * time.Millisecond), End: headTime.Add(-412 * time.Millisecond),
				},
			},
			VMApplied: 1893457,
		},
		Peers: []lotusapi.PeerAddrInfo{
			{ID: "12D3KooW2tYiWTNDdoiBDjMei6ALnPXTaLKS6ALddtKieTDjzoGT", Addrs: []string{"/ip4/198.51.100.23/tcp/1347"}},
			{ID: "12D3KooWeEJaNQkGANJDZDKdr5rxuxgdYu25iwGU2tfMP9yTwptb", Addrs: []string{"/ip4/192.0.2.81/udp/1347/quic-v1", "/ip6/2001:db8::51/tcp/1347"}},
			{ID: "12D3KooWdh7kkpK6vQ4AdtLM9EmGQWMQrSFn4Szeazgyq78mVA2a", Addrs: []string{"/dns4/bootstrap-0.mainnet.filops.net/tcp/1347"}},
			{ID: "12D3KooWVZnBJVJZhKo1DQQu7vbumcSR4GVZ11zDeRFT864vp7sy", Addrs: []string{}},
		},
		NatInfo:   lotusapi.NatInfo{Reachability: 1, PublicAddrs: []string{"/ip4/203.0.113.47/tcp/24001"}},
		Bandwidth: lotusapi.BandwidthStats{TotalIn: 918273645501, TotalOut: 1203948576213, RateIn: 48213.7, RateOut: 97311.25},
		BandwidthByProtocol: map[string]lotusapi.BandwidthStats{
			"/fil/hello/1.0.0":    {TotalIn: 174023, TotalOut: 12517, RateIn: 0.41, RateOut: 0.03},
			"/fil/sync/blk/0.0.1": {TotalIn: 81726354091, TotalOut: 2983746512, RateIn: 9120.5, RateOut: 311.75},
			"/meshsub/1.1.0":      {TotalIn: 836547291387, TotalOut: 1200964829184, RateIn: 39092.8, RateOut: 96999.47},
		},
		// Two messages from the worker key, one from a control key, one from the owner's ID address.
		Mpool: []*SignedMessage{
			signed(Message{From: smallWorkerKey, To: smallMiner, Nonce: 48213, Method: 5, GasLimit: 54311207,
				CID: cid("bafy2bzaceif36q3b2dtqgpmmmqb37dvecxcrzmoq6r2kspj7pysbo4kg6n4u4")}, 2, ""),
			signed(Message{From: smallWorkerKey, To: smallMiner, Nonce: 48214, Method: 28, GasLimit: 187340982,
				CID: cid("bafy2bzacevddjzwofeupjxnpcgpfdpab357eomj73hu52ixoo2qtmebiurysf")}, 2, ""),
			signed(Message{From: smallControl1Key, To: smallMiner, Nonce: 91822, Method: 5, GasLimit: 49871123,
				CID: cid("bafy2bzace4t56q7zwupdy7mlyvjcgoshinlz2tc3igsaxch6kubj5u3otaxec")}, 1,
				"bafy2bzacekinzcft3kombo7k6p7inmplsha4ujymixwkwzr45xz4xlmj4gzoh"),
			signed(Message{From: smallOwnerID, To: smallMiner, Nonce: 37, Method: 16, GasLimit: 21873456,
				CID: cid("bafy2bzacezqw2hwimyremzywt3ppdxdekcfdgxjk3cgm6e5jay6o5zdolnf47")}, 2, ""),
			signed(Message{From: smallStrangerSecp, To: "f02830519", Nonce: 4411, Value: bigInt("1500000000000000001"), GasLimit: 1523411,
				CID: cid("bafy2bzacez4ea7y2x2hxgvfmsosidsm3krgvejwdieh6x7snvof4o5ne3khfq")}, 1,
				"bafy2bzaceabksj7rek66g6u5wbncrgvfjb5xvgosdzxlgvp7nhkbtnwhi4kfb"),
			signed(Message{From: smallStrangerBLS, To: smallStrangerSecp, Nonce: 902, Value: bigInt("73210987654321098765"), GasLimit: 1398221,
				CID: cid("bafy2bzace7zfrhgcmlwgp422zmtdyxbfnsk5xg2iwd5cwyajl7tli5zm4tnec")}, 2, ""),
			signed(Message{From: smallStrangerDeleg, To: "f410fmx4h7vdxgwsbq4itj2bspi4kfgaj5t2jmq7tpha", Nonce: 17, Method: 3844450837, GasLimit: 3120977,
				CID: cid("bafy2bzacezikwnyga446mmxuzmjxhzdvtficarimdbg6mfaj2yczy5uorxfia")}, 3,
				"bafy2bzaceh5myky2rhpwjsi5zsywdip2pq45vkdbgq24mglbbnlmfdshdmuwm"),
		},
		DaemonAlerts: []lotusapi.Alert{
			{
				Type:       lotusapi.AlertType{System: "process", Subsystem: "fd-limit"},
				Active:     true,
				LastActive: alertEvent("raised", `{"message":"soft FD limit is low","soft_limit":1024,"recommended_min":16384}`, time.Date(2025, 5, 20, 8, 14, 29, 0, cest)),
			},
			{
				Type:         lotusapi.AlertType{System: "process", Subsystem: "udp-r-buffer"},
				LastActive:   alertEvent("raised", `{"message":"UDP receive buffer too small","current":212992,"recommended":2097152}`, time.Date(2025, 5, 20, 8, 14, 30, 0, cest)),
				LastResolved: alertEvent("resolved", `{"message":"UDP receive buffer raised"}`, time.Date(2025, 5, 20, 9, 2, 11, 0, cest)),
			},
		},
		MinerAlerts: []lotusapi.Alert{
			{
				Type:       lotusapi.AlertType{System: "sealing", Subsystem: "precommit-batch"},
				Active:     true,
				LastActive: alertEvent("raised", `{"message":"precommit batch failed","sectors":[102934,102935]}`, time.Date(2025, 5, 26, 22, 41, 3, 0, cest)),
			},
			{
				Type:         lotusapi.AlertType{System: "process", Subsystem: "fd-limit"},
				LastActive:   alertEvent("raised", `{"message":"soft FD limit is low","soft_limit":4096,"recommended_min":16384}`, time.Date(2025, 5, 21, 19, 3, 56, 0, cest)),
				LastResolved: alertEvent("resolved", `{"message":"FD limit raised"}`, time.Date(2025, 5, 21, 19, 30, 0, 0, cest)),
			},
		},
		MinerID: smallMiner,
		MinerInfo: lotusapi.MinerInfo{
			Owner:                      smallOwnerID,
			Worker:                     smallWorkerID,
			NewWorker:                  "<empty>",
			ControlAddresses:           []string{smallControl1ID, smallControl2ID},
			WorkerChangeEpoch:          -1,
			PeerId:                     &peerID,
			Multiaddrs:                 [][]byte{{0x04, 203, 0, 113, 47, 0x06, 0x5d, 0xc1}}, // /ip4/203.0.113.47/tcp/24001
			WindowPoStProofType:        13,
			SectorSize:                 34359738368,
			WindowPoStPartitionSectors: 2349,
			ConsensusFaultElapsed:      -1,
			Beneficiary:                smallOwnerID,
			BeneficiaryTerm:            &lotusapi.BeneficiaryTerm{Quota: bigInt("0"), UsedQuota: bigInt("0")},
		},
		// The claim of the 55046 active sectors of 32 GiB: the QA power of each as the miner
		// actor computes it (sectors.go); faulty and not yet proven sectors have none.
		Power: &lotusapi.MinerPower{
			MinerPower:  lotusapi.Claim{RawBytePower: bigInt("1891366158204928"), QualityAdjPower: bigInt("7964725866397696")},
			TotalPower:  lotusapi.Claim{RawBytePower: bigInt("3361452287329271808"), QualityAdjPower: bigInt("21983776254881652736")},
			HasMinPower: true,
		},
		// Power at the lookback tipset, a little below the current claim.
		BaseInfo: &lotusapi.MiningBaseInfo{
			MinerPower:        bigInt("7963488915816448"),
			NetworkPower:      bigInt("21984012977344069632"),
			WorkerKey:         smallWorkerKey,
			SectorSize:        34359738368,
			EligibleForMining: true,
		},
		// FeeDebt stays 0: a miner with fee debt is not eligible for mining.
		MinerState: lotusapi.MinerState{
			LockedFunds:       bigInt("1523984712093847561234"),
			InitialPledge:     bigInt("18734509812347650981234"),
			PreCommitDeposits: bigInt("3120987654321098765"),
			FeeDebt:           bigInt("0"),
		},
		Actors: map[string]lotusapi.Actor{
			smallMiner: {
				Code: minerCode, Head: cid("bafy2bzace72vp7t6bbsh4pz2nc3zh2llexkoeycirbwdrbc26bslo7dsp45lq"),
				Balance: bigInt("24687350215823410951377"),
			},
			smallOwnerID: owner, smallOwnerKey: owner,
			smallWorkerID: worker, smallWorkerKey: worker,
			smallControl1ID: control1, smallControl1Key: control1,
			smallControl2ID: control2, smallControl2Key: control2,
			lotusapi.RewardActor: {
				Code: cid("bafk2bzacedgaw6kvbuyyyqdpwe5ohxmqz6bkfpwpzqsy2vd7gd4sjx4cpkbmc"), Head: cid("bafy2bzacebjv6bzd3xq5qtnfhzkqhmjsbwgx5jgcwhbkyn2ntlyfq6dr5xnja"),
				Balance: bigInt("541973620871653245812736187"),
			},
		},
		AccountKeys: map[string]string{
			smallOwnerID:    smallOwnerKey,
			smallWorkerID:   smallWorkerKey,
			smallControl1ID: smallControl1Key,
			smallControl2ID: smallControl2Key,
		},
		// Balance minus LockedFunds, InitialPledge and PreCommitDeposits.
		AvailableBalance: bigInt("4425734703727591310144"),
		Market: map[string]lotusapi.MarketBalance{
			smallMiner: {Escrow: bigInt("3172816402981736591"), Locked: bigInt("1209874512376091823")},
		},
		// Control 1's key is a local wallet with DataCap: 1 PiB granted, 37 sectors' worth spent.
		DataCap:       map[string]lotusapi.BigInt{smallControl1ID: bigInt("1124628596523008")},
		Wallets:       []string{smallWorkerKey, smallControl1Key, smallUnfundedKey},
		DefaultWallet: smallWorkerKey,
		// A healthy chain meets EC's 2^-30 guarantee about 30 epochs deep (lotus
		// chain/ecfinality/calculator.go). F3 proposes from 4 epochs below the head
		// (build/buildconstants/f3manifest_mainnet.json EC.HeadLookback): its newest
		// certificate finalizes the tipset 5 below. Its instances began at the bootstrap
		// epoch 4920480, fewer than one per epoch since. f01234 and f02182902 take part in
		// F3 through this daemon.
		ECFinalityDepth: 30,
		F3Certificate:   &F3Certificate{Instance: 77216, Lag: 5},
		F3Participants:  []uint64{1234, 2182902},
	}
}

// signed completes m with gas prices and params and signs it with sigType (1 secp256k1,
// 2 BLS, 3 delegated). A BLS-signed message keeps its unsigned CID; the others have their
// own signed CID.
func signed(m Message, sigType byte, signedCID string) *SignedMessage {
	m.GasFeeCap = bigInt("101234")
	m.GasPremium = bigInt("99871")
	if m.Method != 0 {
		m.Params = []byte{0x82, 0x18, 0x2a, byte(m.Nonce)}
	}
	sm := &SignedMessage{Message: m, Signature: Signature{Type: sigType, Data: []byte{0xa1, sigType, byte(m.Nonce)}}, CID: m.CID}
	if signedCID != "" {
		sm.CID = cid(signedCID)
	}
	return sm
}

// alertEvent is a LogAlerts event; message is raw JSON, as Lotus sends it.
func alertEvent(typ, message string, at time.Time) *lotusapi.AlertEvent {
	return &lotusapi.AlertEvent{Type: typ, Message: json.RawMessage(message), Time: at}
}

func cid(s string) lotusapi.Cid { return lotusapi.Cid{Root: s} }

// big parses a literal amount; a typo in a scenario is a programming error.
func bigInt(s string) lotusapi.BigInt {
	b, err := lotusapi.ParseBigInt(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Twin returns a copy of s's miner under the ID id, on the same chain: what a second miner
// read by the same daemon looks like. Its blocks, if any, are still s's miner's.
func (s *Scenario) Twin(id string) *Scenario {
	c := *s
	c.MinerID, c.OtherMiners = id, nil
	c.Actors = maps.Clone(s.Actors)
	c.Actors[id] = s.Actors[s.MinerID]
	c.Market = maps.Clone(s.Market)
	c.Market[id] = s.Market[s.MinerID]
	return &c
}
