package dnsmx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// Queue defaults; see the Queue fields.
const (
	DefaultConcurrency       = 100 // as Postfix's default_process_limit
	DefaultDomainConcurrency = 20  // as Postfix's default_destination_concurrency_limit
	DefaultAttemptTimeout    = 30 * time.Minute
	DefaultMaxMessageSize    = 64 << 20
	DefaultMaxRecipients     = 1000
	DefaultMaxMessages       = 100000
	DefaultMaxDSNReturnSize  = 256 << 10
	// runnerBatch: a domain's runner hands its slot over after this many
	// deliveries when other domains wait for a slot.
	runnerBatch = 50
)

// Errors of the queue's operator API and of Enqueue.
var (
	ErrQueueClosed = errors.New("dnsmx: queue closed")
	ErrNotQueued   = errors.New("dnsmx: no such message in the queue")
)

// Queue is a durable outbound mail queue in a directory. Enqueue (and
// Relay) return only after the message and its envelope are on disk and
// fsync'd, so a server may answer 250 as soon as they return (RFC 5321
// §6.1: accepting a message takes responsibility for it). Workers then
// deliver through Transport, per domain, retrying temporary failures with
// exponential backoff and jitter until MaxAge, and report permanent
// failures to the sender with an RFC 3464 DSN through SendDSN.
//
// After a crash or restart, Start resumes every message still in the
// directory: delivery is at-least-once; a message delivered but not yet
// marked done is sent again with the same Message-ID, so the receiver can
// recognize the duplicate.
//
// Set the fields before the first call to Start, Enqueue or Relay; Dir is
// required, every other zero field means its default.
type Queue struct {
	// Dir is the queue directory, created if missing.
	Dir string
	// Transport delivers the messages; default a *Relayer with the system
	// resolver (direct MX delivery on port 25).
	Transport Transport
	// SendDSN delivers delivery status notifications: from is always the
	// null sender "", to the original sender, body the DSN (read it before
	// returning). Typically the queue's own Relay method, or a local
	// delivery function. Nil: DSNs are logged and dropped.
	SendDSN func(ctx context.Context, from string, to []string, body io.Reader) error
	// Hostname names this MTA in DSNs (Reporting-MTA) and generated
	// Message-IDs; default os.Hostname().
	Hostname string

	// MaxAge is how long a message is retried before it is bounced
	// (RFC 5321 §4.5.4.1: at least 4-5 days). Default 5 days.
	MaxAge time.Duration
	// DelayNotice, when non-zero, sends one "delayed" DSN per recipient
	// (those whose NOTIFY allows it) once a message has waited this long.
	DelayNotice time.Duration
	// RetryMin and RetryMax bound the exponential backoff between attempts
	// (defaults DefaultRetryMin, DefaultRetryMax); each wait is jittered
	// by ±20%.
	RetryMin, RetryMax time.Duration
	// Concurrency bounds simultaneous deliveries; DomainConcurrency those
	// to one domain (each delivery uses one connection, which the Relayer
	// reuses for the domain's next message). Defaults 100 and 20.
	Concurrency       int
	DomainConcurrency int
	// AttemptTimeout bounds one delivery attempt to one domain. Default 30 min.
	AttemptTimeout time.Duration
	// MaxMessageSize bounds a queued message in octets (default 64 MiB);
	// MaxRecipients the recipients of one message (default 1000);
	// MaxMessages the messages in the queue (default 100000).
	MaxMessageSize int64
	MaxRecipients  int
	MaxMessages    int
	// MaxDSNReturnSize: without RET=, a failure DSN returns the whole
	// message up to this size and only its header above it (RFC 3461
	// §4.3 leaves the choice to us). Default 256 KiB.
	MaxDSNReturnSize int64

	// Clock is the time source (tests inject a fake); default the real one.
	Clock Clock
	// Rand returns uniform numbers in [0, 1) for retry jitter; default
	// math/rand/v2.Float64.
	Rand func() float64
	// Logger receives the queue's log; default slog.Default().
	Logger *slog.Logger
	// OnEvent, when set, is called (outside the queue's locks, from the
	// goroutine that caused it) for every queue event: metrics, tests.
	OnEvent func(Event)

	once     sync.Once
	startErr error
	st       *store
	ctx      context.Context
	cancel   context.CancelFunc
	wake     chan struct{}
	wg       sync.WaitGroup

	mu           sync.Mutex
	closed       bool
	items        map[string]*item
	waiting      jobHeap
	domains      map[string]*domainQueue
	readyDomains map[string]*domainQueue
	active       int
}

// Envelope is what Enqueue needs besides the message: the reverse-path,
// the recipients with their DSN parameters and the transaction's options.
type Envelope struct {
	From       string // "" is the null sender <> (never bounced)
	Rcpts      []Recipient
	EnvelopeID string         // ENVID (RFC 3461 §4.4)
	Return     smtp.DSNReturn // RET (RFC 3461 §4.3)
	BodyType   smtp.BodyType  // BODY= (RFC 6152, RFC 3030)
	SMTPUTF8   bool           // the message needs SMTPUTF8 (RFC 6531)
}

// EventKind says what an Event reports.
type EventKind int

const (
	EventQueued  EventKind = iota + 1 // a message was enqueued
	EventAttempt                      // a delivery attempt to one domain ended; Results has the outcomes
	EventDSN                          // a DSN was handed to SendDSN; Action and Err are set
	EventDone                         // the message left the queue (all recipients final, or removed)
)

// Event is a queue event for Queue.OnEvent.
type Event struct {
	Kind    EventKind
	ID      string
	Domain  string
	Results []Result
	Action  string // DSN action: failed, delayed, relayed
	Err     error
}

// item is a queued message in memory.
type item struct {
	rec     *record
	st      stateFile
	jobs    map[string]*job // pending work by domain
	removed bool
	// finishing counts attempts recording their outcome (sending DSNs)
	// outside the lock.
	finishing int
	version   uint64 // of st, under Queue.mu

	persistMu sync.Mutex
	persisted uint64
}

// job is the pending recipients of one item at one domain.
type job struct {
	it      *item
	domain  string
	rcpts   []int // indices into it.rec.Rcpts
	due     time.Time
	index   int // in Queue.waiting; -1 when not there
	ready   bool
	running bool
}

type domainQueue struct {
	ready  []*job
	active int // runners alive
	busy   int // runners delivering
}

// Start opens the queue directory, loads every message left there and
// starts delivering. Enqueue and Relay call it implicitly.
func (q *Queue) Start() error {
	q.once.Do(q.start)
	return q.startErr
}

func (q *Queue) start() {
	if q.Dir == "" {
		q.startErr = errors.New("dnsmx: Queue.Dir is empty")
		return
	}
	q.defaults()
	st, err := openStore(q.Dir)
	if err != nil {
		q.startErr = err
		return
	}
	q.st = st
	q.ctx, q.cancel = context.WithCancel(context.Background())
	q.wake = make(chan struct{}, 1)
	q.items = map[string]*item{}
	q.domains = map[string]*domainQueue{}
	q.readyDomains = map[string]*domainQueue{}
	ids, err := st.list()
	if err != nil {
		q.startErr = err
		return
	}
	q.mu.Lock()
	for _, id := range ids {
		rec, err := st.readRecord(id)
		if err != nil {
			q.Logger.Error("dnsmx: unreadable queue file left in place", "id", id, "err", err)
			continue
		}
		state, err := st.readState(id, len(rec.Rcpts))
		if err != nil {
			q.Logger.Warn("dnsmx: unreadable delivery state; retrying every recipient", "id", id, "err", err)
		}
		q.addItemLocked(&item{rec: rec, st: state})
	}
	q.mu.Unlock()
	if len(ids) > 0 {
		q.Logger.Info("dnsmx: queue resumed", "dir", q.Dir, "messages", len(ids))
	}
	q.wg.Add(1)
	go q.dispatch()
}

func (q *Queue) defaults() {
	if q.Transport == nil {
		q.Transport = &Relayer{}
	}
	if q.Hostname == "" {
		q.Hostname, _ = os.Hostname()
		if q.Hostname == "" {
			q.Hostname = "localhost"
		}
	}
	setDefault(&q.MaxAge, DefaultMaxAge)
	setDefault(&q.RetryMin, DefaultRetryMin)
	setDefault(&q.RetryMax, DefaultRetryMax)
	setDefault(&q.Concurrency, DefaultConcurrency)
	setDefault(&q.DomainConcurrency, DefaultDomainConcurrency)
	setDefault(&q.AttemptTimeout, DefaultAttemptTimeout)
	setDefault(&q.MaxMessageSize, DefaultMaxMessageSize)
	setDefault(&q.MaxRecipients, DefaultMaxRecipients)
	setDefault(&q.MaxMessages, DefaultMaxMessages)
	setDefault(&q.MaxDSNReturnSize, DefaultMaxDSNReturnSize)
	if q.Clock == nil {
		q.Clock = realClock{}
	}
	if q.Rand == nil {
		q.Rand = rand.Float64
	}
	if q.Logger == nil {
		q.Logger = slog.Default()
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Relay enqueues a message for from to the recipients to, without DSN
// parameters. It returns only after the message is stored durably. This is
// the outbound interface the mailbox SMTP adapter calls for non-local
// recipients. Errors that should reach the SMTP client are *smtp.Error.
func (q *Queue) Relay(ctx context.Context, from string, to []string, body io.Reader) error {
	rcpts := make([]Recipient, len(to))
	for i, t := range to {
		rcpts[i].Addr = t
	}
	_, err := q.Enqueue(ctx, &Envelope{From: from, Rcpts: rcpts}, body)
	return err
}

// Enqueue stores the message read from body with env durably and schedules
// its delivery; it returns the queue id. Errors meant for an SMTP client
// (too many recipients, message too large, queue full, bad address) are
// *smtp.Error.
func (q *Queue) Enqueue(ctx context.Context, env *Envelope, body io.Reader) (string, error) {
	if err := q.Start(); err != nil {
		return "", err
	}
	if len(env.Rcpts) == 0 {
		return "", &smtp.Error{Code: 554, EnhancedCode: [3]int{5, 5, 1}, Message: "No valid recipients"}
	}
	if len(env.Rcpts) > q.MaxRecipients {
		return "", &smtp.Error{Code: 452, EnhancedCode: [3]int{4, 5, 3}, Message: "Too many recipients"}
	}
	for _, r := range env.Rcpts {
		if DomainOf(r.Addr) == "" {
			return "", &smtp.Error{Code: 553, EnhancedCode: [3]int{5, 1, 3}, Message: "Recipient address has no domain"}
		}
	}
	q.mu.Lock()
	closed, full := q.closed, len(q.items) >= q.MaxMessages
	q.mu.Unlock()
	if closed {
		return "", ErrQueueClosed
	}
	if full {
		return "", &smtp.Error{Code: 452, EnhancedCode: [3]int{4, 3, 1}, Message: "Mail queue full, try again later"}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	now := q.Clock.Now()
	rec := &record{
		ID:         newID(now),
		From:       env.From,
		Rcpts:      slices.Clone(env.Rcpts),
		EnvelopeID: env.EnvelopeID,
		Return:     env.Return,
		BodyType:   env.BodyType,
		SMTPUTF8:   env.SMTPUTF8,
		Created:    now,
	}
	if err := q.st.writeMessage(rec, body, q.MaxMessageSize, q.Hostname); err != nil {
		if errors.Is(err, errTooLarge) {
			return "", &smtp.Error{Code: 552, EnhancedCode: [3]int{5, 3, 4}, Message: "Message too big for the queue"}
		}
		return "", err
	}
	it := &item{rec: rec, st: stateFile{Rcpts: make([]rcptState, len(rec.Rcpts))}}
	q.mu.Lock()
	if q.closed {
		// Stored durably: it is delivered after the next Start.
		q.mu.Unlock()
		return rec.ID, nil
	}
	q.addItemLocked(it)
	q.mu.Unlock()
	q.emit(Event{Kind: EventQueued, ID: rec.ID})
	return rec.ID, nil
}

func domainKey(addr string) string { return strings.ToLower(DomainOf(addr)) }

// addItemLocked registers it and schedules a job per domain of its pending
// recipients.
func (q *Queue) addItemLocked(it *item) {
	q.items[it.rec.ID] = it
	it.jobs = map[string]*job{}
	now := q.Clock.Now()
	for i, r := range it.rec.Rcpts {
		if it.st.Rcpts[i].Status != 0 {
			continue
		}
		d := domainKey(r.Addr)
		j := it.jobs[d]
		if j == nil {
			j = &job{it: it, domain: d, index: -1, due: it.st.Rcpts[i].Next}
			it.jobs[d] = j
		}
		j.rcpts = append(j.rcpts, i)
		if next := it.st.Rcpts[i].Next; next.Before(j.due) {
			j.due = next
		}
	}
	if len(it.jobs) == 0 {
		// Everything final but the files were not removed before a crash.
		delete(q.items, it.rec.ID)
		go func() { _ = q.st.remove(it.rec.ID) }()
		return
	}
	for _, j := range it.jobs {
		q.scheduleLocked(j, now)
	}
}

// scheduleLocked puts j in its domain's ready list when due, else in the
// waiting heap.
func (q *Queue) scheduleLocked(j *job, now time.Time) {
	if !j.due.After(now) {
		q.readyLocked(j)
		return
	}
	q.waiting.push(j)
	if j.index == 0 {
		q.signal()
	}
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) readyLocked(j *job) {
	ds := q.domains[j.domain]
	if ds == nil {
		ds = &domainQueue{}
		q.domains[j.domain] = ds
	}
	j.ready = true
	ds.ready = append(ds.ready, j)
	q.readyDomains[j.domain] = ds
	q.kickLocked()
}

// kickLocked starts runners for domains with ready jobs, within the
// concurrency limits.
func (q *Queue) kickLocked() {
	if q.closed {
		return
	}
	for name, ds := range q.readyDomains {
		if len(ds.ready) == 0 {
			delete(q.readyDomains, name)
			continue
		}
		for len(ds.ready) > ds.active-ds.busy && ds.active < q.DomainConcurrency && q.active < q.Concurrency {
			ds.active++
			q.active++
			q.wg.Add(1)
			go q.runDomain(name, ds)
		}
		if q.active >= q.Concurrency {
			return
		}
	}
}

// dispatch moves jobs from the waiting heap to the ready lists when they
// fall due.
func (q *Queue) dispatch() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return
		}
		now := q.Clock.Now()
		for len(q.waiting) > 0 && !q.waiting[0].due.After(now) {
			q.readyLocked(q.waiting.pop())
		}
		var timer <-chan time.Time
		if len(q.waiting) > 0 {
			timer = q.Clock.After(q.waiting[0].due.Sub(now))
		}
		q.mu.Unlock()
		select {
		case <-timer:
		case <-q.wake:
		case <-q.ctx.Done():
			return
		}
	}
}

// runDomain delivers the ready jobs of one domain one after the other (so
// the Relayer can reuse its connection) until none is left.
func (q *Queue) runDomain(name string, ds *domainQueue) {
	defer q.wg.Done()
	for n := 0; ; n++ {
		q.mu.Lock()
		if len(ds.ready) == 0 || q.closed || n >= runnerBatch && q.active >= q.Concurrency && len(q.readyDomains) > 1 {
			ds.active--
			q.active--
			if len(ds.ready) == 0 {
				delete(q.readyDomains, name)
				if ds.active == 0 && q.domains[name] == ds {
					delete(q.domains, name)
				}
			}
			q.kickLocked()
			q.mu.Unlock()
			return
		}
		j := ds.ready[0]
		ds.ready[0] = nil
		ds.ready = ds.ready[1:]
		j.ready = false
		if j.it.removed {
			q.mu.Unlock()
			continue
		}
		j.running = true
		ds.busy++
		q.mu.Unlock()

		q.attempt(j)

		q.mu.Lock()
		ds.busy--
		q.mu.Unlock()
	}
}

// attempt delivers one job and records the outcome.
func (q *Queue) attempt(j *job) {
	it := j.it
	rec := it.rec
	f, err := q.st.openBody(rec.ID)
	if err != nil {
		q.Logger.Error("dnsmx: queued message unreadable", "id", rec.ID, "err", err)
		results := make([]Result, len(j.rcpts))
		for k, idx := range j.rcpts {
			results[k] = Result{Rcpt: rec.Rcpts[idx].Addr, Status: StatusTemporary,
				Reply: localReply(451, [3]int{4, 3, 0}, "Local error reading the queued message")}
		}
		q.finish(j, results, nil)
		return
	}
	defer f.Close()
	d := &Delivery{
		Domain:     j.domain,
		From:       rec.From,
		EnvelopeID: rec.EnvelopeID,
		Return:     rec.Return,
		BodyType:   rec.BodyType,
		SMTPUTF8:   rec.SMTPUTF8,
		Size:       rec.Size,
		Body:       func() io.Reader { return q.messageReader(rec, f, rec.Size) },
	}
	if rec.AddMessageID {
		d.Size += int64(len(messageIDHeader(rec)))
	}
	for _, idx := range j.rcpts {
		d.Rcpts = append(d.Rcpts, rec.Rcpts[idx])
	}
	ctx, cancel := context.WithTimeout(q.ctx, q.AttemptTimeout)
	results := q.Transport.Deliver(ctx, d)
	cancel()
	q.finish(j, results, f)
}

func messageIDHeader(rec *record) string { return "Message-ID: <" + rec.MessageID + ">\r\n" }

// messageReader returns the first n octets of the stored message, with the
// generated Message-ID in front when the message had none.
func (q *Queue) messageReader(rec *record, f io.ReaderAt, n int64) io.Reader {
	body := io.NewSectionReader(f, 0, n)
	if rec.AddMessageID {
		return io.MultiReader(strings.NewReader(messageIDHeader(rec)), body)
	}
	return body
}

// finish records the results of an attempt, schedules retries, sends DSNs
// and removes a message that is done.
func (q *Queue) finish(j *job, results []Result, f io.ReaderAt) {
	it := j.it
	rec := it.rec
	now := q.Clock.Now()
	expiry := rec.Created.Add(q.MaxAge)
	var failed, delayed, relayed []dsnRecipient
	var retry []int

	q.mu.Lock()
	j.running = false
	if it.removed {
		q.mu.Unlock()
		return
	}
	closing := q.ctx.Err() != nil
	next := time.Time{}
	for k, idx := range j.rcpts {
		var res Result
		if k < len(results) {
			res = results[k]
		} else {
			res = Result{Status: StatusTemporary, Reply: localReply(451, [3]int{4, 3, 0}, "No result from the transport")}
		}
		rcpt := rec.Rcpts[idx]
		rs := &it.st.Rcpts[idx]
		rs.LastAttempt, rs.RemoteMTA, rs.Reply = now, res.RemoteMTA, res.Reply
		switch res.Status {
		case StatusDelivered:
			rs.Status = StatusDelivered
			if rcpt.wants(smtp.DSNNotifySuccess) && !res.DSNRelayed {
				// RFC 3461 §5.2.2: the next hop cannot report success.
				relayed = append(relayed, dsnRecipient{Rcpt: rcpt, Action: ActionRelayed, Status: [3]int{2, 0, 0}, RemoteMTA: res.RemoteMTA, LastAttempt: now})
			}
		case StatusPermanent:
			rs.Status = StatusPermanent
			if rcpt.wants(smtp.DSNNotifyFailure) {
				failed = append(failed, dsnRecipient{Rcpt: rcpt, Action: ActionFailed, Status: statusOf(res.Reply, [3]int{5, 0, 0}), Reply: res.Reply, RemoteMTA: res.RemoteMTA, LastAttempt: now})
			}
		default:
			if closing {
				// Interrupted by Close: not a real attempt.
				retry = append(retry, idx)
				continue
			}
			rs.Attempts++
			if !now.Before(expiry) {
				// RFC 5321 §4.5.4.1: give up and report (4.4.7: delivery
				// time expired, RFC 3463 §3.5).
				rs.Status = StatusPermanent
				if rcpt.wants(smtp.DSNNotifyFailure) {
					failed = append(failed, dsnRecipient{Rcpt: rcpt, Action: ActionFailed, Status: [3]int{4, 4, 7}, Reply: res.Reply, RemoteMTA: res.RemoteMTA, LastAttempt: now})
				}
				continue
			}
			rs.Next = now.Add(backoff(rs.Attempts, q.RetryMin, q.RetryMax, q.Rand()))
			if rs.Next.After(expiry) {
				rs.Next = expiry // one last attempt when the time is up
			}
			if next.IsZero() || rs.Next.Before(next) {
				next = rs.Next
			}
			retry = append(retry, idx)
			if q.DelayNotice > 0 && !rs.DelayNotified && now.Sub(rec.Created) >= q.DelayNotice && rcpt.wants(smtp.DSNNotifyDelayed) {
				rs.DelayNotified = true
				delayed = append(delayed, dsnRecipient{Rcpt: rcpt, Action: ActionDelayed, Status: statusOf(res.Reply, [3]int{4, 0, 0}), Reply: res.Reply, RemoteMTA: res.RemoteMTA, LastAttempt: now, WillRetryUntil: expiry})
			}
		}
	}
	if len(retry) > 0 {
		j.rcpts = retry
		if closing {
			j.due = now
		} else {
			j.due = next
			q.scheduleLocked(j, now)
		}
	} else {
		delete(it.jobs, j.domain)
	}
	it.finishing++
	q.mu.Unlock()

	q.emit(Event{Kind: EventAttempt, ID: rec.ID, Domain: j.domain, Results: results})
	// RFC 3461 §6.1 / RFC 5321 §4.5.5: never a DSN for a null reverse-path.
	if rec.From != "" && f != nil {
		q.sendDSN(rec, f, ActionFailed, failed, now)
		q.sendDSN(rec, f, ActionDelayed, delayed, now)
		q.sendDSN(rec, f, ActionRelayed, relayed, now)
	}

	// The message is done when no job is left and no other attempt is
	// still sending its DSNs.
	q.mu.Lock()
	it.finishing--
	done := len(it.jobs) == 0 && it.finishing == 0 && !it.removed
	if done {
		it.removed = true
		delete(q.items, rec.ID)
	}
	it.version++
	snapshot := stateFile{Rcpts: slices.Clone(it.st.Rcpts)}
	version := it.version
	q.mu.Unlock()
	if done {
		if err := q.st.remove(rec.ID); err != nil {
			q.Logger.Error("dnsmx: removing a finished message", "id", rec.ID, "err", err)
		}
		q.emit(Event{Kind: EventDone, ID: rec.ID})
		return
	}
	q.persist(it, snapshot, version)
}

// persist writes an item's state unless a newer version was written.
func (q *Queue) persist(it *item, st stateFile, version uint64) {
	it.persistMu.Lock()
	defer it.persistMu.Unlock()
	if version <= it.persisted {
		return
	}
	q.mu.Lock()
	removed := it.removed
	q.mu.Unlock()
	if removed {
		return
	}
	if err := q.st.writeState(it.rec.ID, &st); err != nil {
		q.Logger.Error("dnsmx: writing delivery state", "id", it.rec.ID, "err", err)
		return
	}
	it.persisted = version
}

// sendDSN builds one DSN for the recipients and hands it to SendDSN.
func (q *Queue) sendDSN(rec *record, f io.ReaderAt, action string, rcpts []dsnRecipient, now time.Time) {
	if len(rcpts) == 0 {
		return
	}
	m := &dsnMessage{
		ReportingMTA: q.Hostname,
		Sender:       rec.From,
		EnvelopeID:   rec.EnvelopeID,
		Arrival:      rec.Created,
		Date:         now,
		Recipients:   rcpts,
		Global:       rec.SMTPUTF8 || !isASCII(rec.From),
	}
	full := action == ActionFailed && (rec.Return == smtp.DSNReturnFull || rec.Return == "" && rec.Size <= q.MaxDSNReturnSize)
	if strings.EqualFold(string(rec.Return), string(smtp.DSNReturnHeaders)) {
		full = false
	}
	if full {
		m.Original = q.messageReader(rec, f, rec.Size)
	} else {
		hl := rec.HeaderLen
		if hl == 0 {
			hl = min(rec.Size, headerScanLimit)
		}
		m.Original = q.messageReader(rec, f, hl)
		m.Headers = true
	}
	var err error
	if q.SendDSN == nil {
		err = errors.New("no SendDSN configured")
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), q.AttemptTimeout)
		err = q.SendDSN(ctx, "", []string{rec.From}, m.Reader(newID(now)+".dsn@"+q.Hostname))
		cancel()
	}
	if err != nil {
		q.Logger.Error("dnsmx: DSN not sent", "id", rec.ID, "action", action, "to", rec.From, "err", err)
	}
	q.emit(Event{Kind: EventDSN, ID: rec.ID, Action: action, Err: err})
}

func (q *Queue) emit(e Event) {
	if q.OnEvent != nil {
		q.OnEvent(e)
	}
}

// Close stops the queue at once: deliveries in progress are interrupted
// (their messages stay queued and are retried after the next Start) and
// Close waits for the workers to return.
func (q *Queue) Close() error {
	if q.Start() != nil && q.ctx == nil {
		return nil
	}
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cancel()
	q.wg.Wait()
	if c, ok := q.Transport.(interface{ Close() error }); ok {
		_ = c.Close()
	}
	return nil
}

// Shutdown stops taking new work, waits for the deliveries in progress to
// finish or ctx to end (then interrupts them like Close) and returns.
func (q *Queue) Shutdown(ctx context.Context) error {
	if q.Start() != nil && q.ctx == nil {
		return nil
	}
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	q.cancel()
	<-done
	if c, ok := q.Transport.(interface{ Close() error }); ok {
		_ = c.Close()
	}
	return err
}
