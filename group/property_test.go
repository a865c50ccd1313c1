package group

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The property tests drive the coordinator with random sequences of
// requests, clock moves and coordinator reloads, from simulated clients
// that behave like real ones (rejoin on REBALANCE_IN_PROGRESS, sync after
// joining, the leader assigns), and check after every step:
//
//   - no partition is assigned to two members in one generation, and the
//     group's current members never share a partition;
//   - a commit that was acknowledged is never lost: OffsetFetch returns
//     the last acknowledged offset of each partition, across reloads;
//   - generations never go backwards (except to the last stored one when
//     the coordinator moves in the middle of a rebalance, as in Kafka);
//   - the state machine never makes a transition it does not have (the
//     coordinator logs an error, which fails the test).
//
// The random source is a byte string, so `go test -fuzz FuzzClassicGroup`
// explores sequences, and each failure is a reproducible corpus entry.

const propPartitions = 6

// actions reads choices from fuzz input (or, once exhausted, zeros).
type actions struct{ b []byte }

func (a *actions) next(n int) int {
	if n <= 0 {
		return 0
	}
	if len(a.b) == 0 {
		return 0
	}
	v := int(a.b[0])
	a.b = a.b[1:]
	return v % n
}

func (a *actions) empty() bool { return len(a.b) == 0 }

// simMember is a classic group client.
type simMember struct {
	name       string
	id         string
	generation int32
	join       <-chan *kmsg.JoinGroupResponse
	sync       <-chan *kmsg.SyncGroupResponse
	isLeader   bool
	members    []string // the member list the leader got
	owned      []int32
	gone       bool
}

type classicSim struct {
	t        *testing.T
	f        *fixture
	members  []*simMember
	owners   map[int32]map[int32]string // generation -> partition -> member
	acked    map[int32]int64            // partition -> last acknowledged commit
	lastGen  int32
	log      []string
	nameSeed int
}

func (s *classicSim) logf(format string, args ...any) {
	s.log = append(s.log, fmt.Sprintf(format, args...))
}

func (s *classicSim) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s\nsteps:\n  %s\nevents:\n%s", fmt.Sprintf(format, args...), strings.Join(s.log, "\n  "), s.f.story("g"))
}

// deliver processes every answer that has arrived, as clients would.
func (s *classicSim) deliver() {
	for progress := true; progress; {
		progress = false
		for _, m := range s.members {
			if m.gone {
				continue
			}
			if len(m.join) > 0 {
				progress = true
				r := <-m.join
				m.join = nil
				s.onJoin(m, r)
			}
			if len(m.sync) > 0 {
				progress = true
				r := <-m.sync
				m.sync = nil
				s.onSync(m, r)
			}
		}
	}
}

func (s *classicSim) onJoin(m *simMember, r *kmsg.JoinGroupResponse) {
	s.logf("%s join answer: %s gen %d leader %v", m.name, errName(r.ErrorCode), r.Generation, r.LeaderID == r.MemberID)
	switch r.ErrorCode {
	case kerr.MemberIDRequired.Code:
		m.id = r.MemberID
		m.join = s.f.joinAsync("g", joinOpts{member: m.id})
	case 0:
		m.id, m.generation = r.MemberID, r.Generation
		m.isLeader = r.LeaderID == r.MemberID
		m.members = nil
		for _, jm := range r.Members {
			m.members = append(m.members, jm.MemberID)
		}
		var assign map[string][]byte
		if m.isLeader {
			// Round robin over the members the coordinator listed.
			assign = map[string][]byte{}
			per := map[string][]int32{}
			for p := int32(0); p < propPartitions; p++ {
				id := m.members[int(p)%len(m.members)]
				per[id] = append(per[id], p)
			}
			for _, id := range m.members {
				assign[id] = consumerAssignment("orders", per[id]...)
			}
		}
		m.sync = s.f.syncAsync("g", m.id, m.generation, assign)
	default:
		// UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION...: start over.
		m.id, m.generation, m.owned = "", 0, nil
	}
}

func (s *classicSim) onSync(m *simMember, r *kmsg.SyncGroupResponse) {
	s.logf("%s sync answer: %s", m.name, errName(r.ErrorCode))
	if r.ErrorCode != 0 {
		if r.ErrorCode == kerr.UnknownMemberID.Code {
			m.id, m.generation = "", 0
		}
		m.owned = nil
		if m.id != "" {
			m.join = s.f.joinAsync("g", joinOpts{member: m.id})
		}
		return
	}
	m.owned = decodeConsumerAssignment(r.MemberAssignment)["orders"]
	byGen := s.owners[m.generation]
	if byGen == nil {
		byGen = map[int32]string{}
		s.owners[m.generation] = byGen
	}
	for _, p := range m.owned {
		if other, ok := byGen[p]; ok && other != m.id {
			s.fail("generation %d: partition %d assigned to %s and %s", m.generation, p, other, m.id)
		}
		byGen[p] = m.id
	}
}

func (s *classicSim) step(a *actions) {
	live := []*simMember{}
	for _, m := range s.members {
		if !m.gone {
			live = append(live, m)
		}
	}
	pick := func() *simMember {
		if len(live) == 0 {
			return nil
		}
		return live[a.next(len(live))]
	}
	switch a.next(9) {
	case 0: // a new consumer starts
		if len(live) >= 5 {
			return
		}
		s.nameSeed++
		m := &simMember{name: fmt.Sprintf("c%d", s.nameSeed)}
		s.members = append(s.members, m)
		s.logf("%s starts", m.name)
		m.join = s.f.joinAsync("g", joinOpts{})
	case 1, 2: // heartbeat
		if m := pick(); m != nil && m.id != "" && m.join == nil {
			code := s.f.heartbeat("g", m.id, m.generation, "")
			s.logf("%s heartbeat gen %d: %s", m.name, m.generation, errName(code))
			switch code {
			case kerr.RebalanceInProgress.Code:
				if m.sync == nil {
					m.owned = nil
					m.join = s.f.joinAsync("g", joinOpts{member: m.id})
				}
			case kerr.UnknownMemberID.Code, kerr.IllegalGeneration.Code:
				if m.join == nil && m.sync == nil {
					m.id, m.generation, m.owned = "", 0, nil
					m.join = s.f.joinAsync("g", joinOpts{})
				}
			}
		}
	case 3: // commit an owned partition
		if m := pick(); m != nil && len(m.owned) > 0 {
			p := m.owned[a.next(len(m.owned))]
			off := int64(a.next(1000))
			code := s.f.commit("g", m.id, m.generation, "orders", p, off)
			s.logf("%s commits orders-%d@%d gen %d: %s", m.name, p, off, m.generation, errName(code))
			if code == 0 {
				s.acked[p] = off
			}
		}
	case 4: // a clean leave
		if m := pick(); m != nil && m.id != "" {
			req := kmsg.NewPtrLeaveGroupRequest()
			req.Version, req.Group = 5, "g"
			lm := kmsg.NewLeaveGroupRequestMember()
			lm.MemberID = m.id
			req.Members = append(req.Members, lm)
			s.f.c.LeaveGroup(ctx, req)
			s.logf("%s leaves", m.name)
			m.gone = true
		}
	case 5: // a crash: the member goes silent
		if m := pick(); m != nil {
			s.logf("%s crashes", m.name)
			m.gone = true
		}
	case 6: // time passes
		d := time.Duration(a.next(13)) * time.Second
		s.logf("clock +%v", d)
		s.f.clock.Advance(d)
	case 7: // a member rejoins on its own (e.g. the leader noticing new topics)
		if m := pick(); m != nil && m.id != "" && m.join == nil && m.sync == nil {
			s.logf("%s rejoins", m.name)
			m.join = s.f.joinAsync("g", joinOpts{member: m.id})
		}
	case 8: // the coordinator moves (unload, load from the log)
		if a.next(4) != 0 {
			return
		}
		s.logf("coordinator reload")
		s.f.c.Unload(0, -1)
		s.f.openLog(int32(len(s.log)))
		// A generation that never stored its assignment (the move came
		// during CompletingRebalance) is lost with the old coordinator,
		// as in Kafka: the group comes back at its last stored
		// generation, and the next rebalance reuses the number.
		if d, err := s.f.c.Describe("g"); err == nil {
			s.lastGen = d.Generation
			for gen := range s.owners {
				if gen > d.Generation {
					delete(s.owners, gen)
				}
			}
		}
	}
	s.deliver()
	s.check()
}

func (s *classicSim) check() {
	d, err := s.f.c.Describe("g")
	if err != nil {
		if isCode(err, kerr.GroupIDNotFound) {
			return
		}
		s.fail("describe: %v", err)
	}
	if d.Generation < s.lastGen {
		s.fail("generation went back from %d to %d", s.lastGen, d.Generation)
	}
	s.lastGen = d.Generation
	owner := map[int32]string{}
	for _, m := range d.Members {
		for _, p := range m.Assignment["orders"] {
			if other, ok := owner[p]; ok {
				s.fail("members %s and %s of generation %d both own partition %d", other, m.MemberID, d.Generation, p)
			}
			owner[p] = m.MemberID
		}
	}
	for p, off := range s.acked {
		if got := s.f.committed("g", "orders", p); got != off {
			s.fail("orders-%d: committed %d was acknowledged, OffsetFetch says %d", p, off, got)
		}
	}
}

func runClassicSim(t *testing.T, input []byte) {
	f := newFixture(t, nil)
	s := &classicSim{t: t, f: f, owners: map[int32]map[int32]string{}, acked: map[int32]int64{}}
	a := &actions{b: input}
	for !a.empty() {
		s.step(a)
	}
	// Let everyone settle: survivors heartbeat and rejoin until stable.
	for i := 0; i < 20; i++ {
		for _, m := range s.members {
			if !m.gone && m.id != "" && m.join == nil && m.sync == nil {
				if code := f.heartbeat("g", m.id, m.generation, ""); code == kerr.RebalanceInProgress.Code {
					m.owned = nil
					m.join = f.joinAsync("g", joinOpts{member: m.id})
				}
			}
		}
		s.deliver()
		f.clock.Advance(time.Second)
		s.deliver()
		s.check()
	}
}

// TestClassicGroupProperties runs many random sequences from fixed seeds.
func TestClassicGroupProperties(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewPCG(seed, seed*7919))
		input := make([]byte, 120)
		for i := range input {
			input[i] = byte(r.Uint32())
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runClassicSim(t, input) })
		if t.Failed() {
			return
		}
	}
}

func FuzzClassicGroup(f *testing.F) {
	f.Add([]byte{0, 0, 1, 1, 3, 3, 0, 1, 2, 6, 5, 6, 6, 8, 0, 3, 4})
	f.Add(binary.BigEndian.AppendUint64(nil, 0x0001020304050607))
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) > 400 {
			input = input[:400]
		}
		runClassicSim(t, input)
	})
}

// The consumer protocol under random joins, heartbeats, leaves, crashes
// and clock moves: members never share a partition (neither in the
// coordinator's view nor in what the simulated clients own), and once the
// survivors heartbeat without time passing, the group converges to Stable
// with every partition assigned.
func TestConsumerGroupProperties(t *testing.T) {
	for seed := uint64(1); seed <= 150; seed++ {
		r := rand.New(rand.NewPCG(seed, seed*104729))
		input := make([]byte, 100)
		for i := range input {
			input[i] = byte(r.Uint32())
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runConsumerSim(t, input) })
		if t.Failed() {
			return
		}
	}
}

func FuzzConsumerGroup(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 1, 2, 0, 1, 3, 5, 4, 1, 2})
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) > 400 {
			input = input[:400]
		}
		runConsumerSim(t, input)
	})
}

func runConsumerSim(t *testing.T, input []byte) {
	f := newFixture(t, func(c *Config) { c.ConsumerSessionTimeout = 45 * time.Second })
	f.addTopic("orders", propPartitions)
	a := &actions{b: input}
	var members []*member848
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\nsteps:\n  %s\nevents:\n%s", fmt.Sprintf(format, args...), strings.Join(log, "\n  "), f.story("g"))
	}
	alive := func() []*member848 {
		var out []*member848
		for _, m := range members {
			if m.group != "" {
				out = append(out, m)
			}
		}
		return out
	}
	check := func() {
		// A member the coordinator fenced may not know it yet (a zombie);
		// what counts is what the members still in the group own.
		inGroup := map[string]int32{}
		if d, err := f.c.Describe("g"); err == nil {
			for _, dm := range d.Members {
				inGroup[dm.MemberID] = dm.MemberEpoch
			}
		}
		seen := map[string]string{}
		for _, m := range alive() {
			if e, ok := inGroup[m.id]; !ok || e != m.epoch {
				continue
			}
			for t, ps := range m.owned {
				for _, p := range ps {
					k := fmt.Sprintf("%x-%d", t, p)
					if other, ok := seen[k]; ok {
						fail("clients %s and %s both own partition %d", other, m.id, p)
					}
					seen[k] = m.id
				}
			}
		}
		d, err := f.c.Describe("g")
		if err != nil {
			return
		}
		owner := map[int32]string{}
		for _, dm := range d.Members {
			ps := append([]int32{}, dm.Assignment["orders"]...)
			ps = append(ps, dm.Revoking["orders"]...)
			for _, p := range ps {
				if other, ok := owner[p]; ok {
					fail("members %s and %s both hold partition %d", other, dm.MemberID, p)
				}
				owner[p] = dm.MemberID
			}
		}
	}
	n := 0
	for !a.empty() {
		live := alive()
		pick := func() *member848 {
			if len(live) == 0 {
				return nil
			}
			return live[a.next(len(live))]
		}
		switch a.next(7) {
		case 0:
			if len(live) < 5 {
				n++
				m := f.member848("g", fmt.Sprintf("m%d", n), "orders")
				members = append(members, m)
				code := m.join().ErrorCode
				log = append(log, fmt.Sprintf("%s joins: %s", m.id, errName(code)))
			}
		case 1, 2:
			if m := pick(); m != nil {
				code := m.heartbeat().ErrorCode
				log = append(log, fmt.Sprintf("%s heartbeats epoch %d: %s owns %d", m.id, m.epoch, errName(code), m.count()))
				if code == kerr.UnknownMemberID.Code || code == kerr.FencedMemberEpoch.Code {
					m.owned = map[topicID][]int32{}
					m.join()
				}
			}
		case 3:
			if m := pick(); m != nil {
				m.keepalive()
				log = append(log, fmt.Sprintf("%s keepalive", m.id))
			}
		case 4:
			if m := pick(); m != nil {
				m.send(leaveEpoch, false)
				log = append(log, fmt.Sprintf("%s leaves", m.id))
				m.group, m.owned = "", nil
			}
		case 5:
			if m := pick(); m != nil {
				log = append(log, fmt.Sprintf("%s crashes", m.id))
				m.group, m.owned = "", nil
			}
		case 6:
			d := time.Duration(a.next(50)) * time.Second
			f.clock.Advance(d)
			log = append(log, fmt.Sprintf("clock +%v", d))
			// Members fenced meanwhile learn it at their next heartbeat.
		}
		check()
	}
	// Convergence: the survivors heartbeat every 10 s for two minutes;
	// crashed members lose their partitions to their session timeouts and
	// the group settles.
	live := alive()
	for i := 0; i < 12; i++ {
		for _, m := range live {
			if code := m.heartbeat().ErrorCode; code == kerr.UnknownMemberID.Code || code == kerr.FencedMemberEpoch.Code {
				m.join()
			}
		}
		check()
		f.clock.Advance(10 * time.Second)
	}
	for _, m := range live {
		m.heartbeat()
	}
	if len(live) == 0 {
		return
	}
	d := f.describe("g")
	total := 0
	for _, m := range live {
		total += m.count()
	}
	if d.State != "Stable" || total != propPartitions {
		fail("did not converge: state %s, %d of %d partitions owned", d.State, total, propPartitions)
	}
	sizes := []int{}
	for _, m := range live {
		sizes = append(sizes, m.count())
	}
	sort.Ints(sizes)
	if sizes[len(sizes)-1]-sizes[0] > 1 {
		fail("unbalanced: %v", sizes)
	}
}
