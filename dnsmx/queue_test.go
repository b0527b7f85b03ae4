package dnsmx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// The mailbox SMTP adapter calls the queue through this interface.
var _ interface {
	Relay(ctx context.Context, from string, to []string, body io.Reader) error
} = (*Queue)(nil)

const testMsg = "From: alice@a.example\r\nTo: bob@b.example\r\nSubject: hi\r\nMessage-ID: <m1@a.example>\r\n\r\nHello Bob.\r\n"

func deliverAll(d *Delivery, body string) []Result {
	return all(d, StatusDelivered, 250, [3]int{2, 0, 0}, "ok")
}

func TestQueueEnqueueIsDurableAndDelivers(t *testing.T) {
	dir := t.TempDir()
	block := make(chan struct{})
	h := newQueueHarness(t, dir, func(d *Delivery, body string) []Result {
		<-block
		return deliverAll(d, body)
	}, nil)
	if err := h.q.Relay(context.Background(), "alice@a.example", []string{"bob@b.example", "carol@c.example"}, strings.NewReader(testMsg)); err != nil {
		t.Fatal(err)
	}
	// Acknowledged means on disk: the file is in msg/ with the envelope.
	ents, _ := os.ReadDir(filepath.Join(dir, "msg"))
	if len(ents) != 1 {
		t.Fatalf("%d files in msg/", len(ents))
	}
	rec, err := h.q.st.readRecord(ents[0].Name())
	if err != nil || rec.From != "alice@a.example" || len(rec.Rcpts) != 2 || rec.MessageID != "m1@a.example" || rec.AddMessageID || rec.Size != int64(len(testMsg)) {
		t.Fatalf("record %+v err %v", rec, err)
	}
	if l := h.q.List(); len(l) != 1 || l[0].MessageID != "m1@a.example" || len(l[0].Rcpts) != 2 {
		t.Fatalf("List %+v", l)
	}
	close(block)
	h.wait(EventDone)
	calls := h.tr.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d deliveries, want one per domain", len(calls))
	}
	for _, c := range calls {
		if c.Body != testMsg || len(c.Rcpts) != 1 {
			t.Fatalf("delivery %+v", c)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "msg")); len(ents) != 0 {
		t.Fatalf("delivered message left in msg/: %v", ents)
	}
	if len(h.q.List()) != 0 || len(h.dsn.All()) != 0 {
		t.Fatal("queue not empty or DSN sent after delivery")
	}
}

// Recipients of one domain travel in one transaction.
func TestQueueGroupsRecipientsByDomain(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), deliverAll, nil)
	h.q.Relay(context.Background(), "a@x.example", []string{"b1@B.example", "b2@b.example", "c@c.example"}, strings.NewReader(testMsg))
	h.wait(EventDone)
	got := map[string]int{}
	for _, c := range h.tr.Calls() {
		got[c.Domain] = len(c.Rcpts)
	}
	if got["b.example"] != 2 || got["c.example"] != 1 || len(got) != 2 {
		t.Fatalf("deliveries %v", got)
	}
}

func TestQueueAddsMissingMessageIDConsistently(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	fail := true
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, body)
		if fail {
			fail = false
			return all(d, StatusTemporary, 451, [3]int{4, 3, 0}, "later")
		}
		return deliverAll(d, body)
	}, nil)
	raw := "Subject: no id\r\n\r\nbody\r\n"
	if err := h.q.Relay(context.Background(), "a@x.example", []string{"b@b.example"}, strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	h.wait(EventAttempt)
	h.advance(DefaultRetryMin)
	h.wait(EventDone)
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || bodies[0] != bodies[1] {
		t.Fatalf("attempts sent different bodies: %q", bodies)
	}
	m, err := mail.ReadMessage(strings.NewReader(bodies[0]))
	if err != nil || !strings.HasSuffix(m.Header.Get("Message-ID"), "@relay.test>") || !strings.HasSuffix(bodies[0], raw) {
		t.Fatalf("body %q err %v", bodies[0], err)
	}
}

// TestQueueBackoffSchedule checks the retry times with the fake clock:
// RetryMin doubling up to RetryMax, jitter within ±20%.
func TestQueueBackoffSchedule(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		return all(d, StatusTemporary, 421, [3]int{4, 4, 2}, "busy")
	}, nil)
	start := h.clock.Now()
	h.q.Relay(context.Background(), "a@x.example", []string{"b@b.example"}, strings.NewReader(testMsg))
	want := []time.Duration{5, 10, 20, 40, 80, 120, 120, 120}
	for i, w := range want {
		h.wait(EventAttempt)
		l := h.q.List()
		r := l[0].Rcpts[0]
		if r.Attempts != i+1 {
			t.Fatalf("attempt %d: Attempts=%d", i+1, r.Attempts)
		}
		if got := r.NextAttempt.Sub(h.clock.Now()); got != w*time.Minute {
			t.Fatalf("after attempt %d: next in %v, want %v", i+1, got, w*time.Minute)
		}
		if r.LastReply == nil || r.LastReply.Code != 421 {
			t.Fatalf("last reply %+v", r.LastReply)
		}
		// Nothing happens before the time is up.
		h.advance(w*time.Minute - time.Second)
		h.q.signal()
		if n := len(h.tr.Calls()); n != i+1 {
			t.Fatalf("attempt %d came early (%d calls)", i+2, n)
		}
		h.advance(time.Second)
	}
	_ = start
	for _, u := range []float64{0, 0.999999} {
		for n := 1; n < 10; n++ {
			base := backoff(n, DefaultRetryMin, DefaultRetryMax, 0.5)
			d := backoff(n, DefaultRetryMin, DefaultRetryMax, u)
			if float64(d) < 0.8*float64(base)-1 || float64(d) > 1.2*float64(base)+1 {
				t.Fatalf("jitter out of bounds: n=%d u=%v d=%v base=%v", n, u, d, base)
			}
		}
	}
	if backoff(1, time.Minute, time.Hour, 0) != 48*time.Second || backoff(100, time.Minute, time.Hour, 0.5) != time.Hour {
		t.Fatal("backoff formula")
	}
}

// TestQueueExpiry: a message that keeps failing temporarily is bounced once
// MaxAge has passed, with a last attempt exactly at the expiry time.
func TestQueueExpiry(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		return all(d, StatusTemporary, 451, [3]int{4, 2, 0}, "mailbox busy")
	}, func(q *Queue) {
		q.MaxAge = time.Hour
		q.RetryMin = 10 * time.Minute
	})
	start := h.clock.Now()
	h.q.Relay(context.Background(), "alice@a.example", []string{"bob@b.example"}, strings.NewReader(testMsg))
	for _, at := range []time.Duration{10, 30, 60} {
		h.wait(EventAttempt)
		next := h.q.List()[0].Rcpts[0].NextAttempt
		if next.Sub(start) != at*time.Minute {
			t.Fatalf("next attempt at +%v, want +%v", next.Sub(start), at*time.Minute)
		}
		h.advance(next.Sub(h.clock.Now()))
	}
	h.wait(EventDone)
	if n := len(h.tr.Calls()); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
	dsns := h.dsn.All()
	if len(dsns) != 1 {
		t.Fatalf("%d DSNs", len(dsns))
	}
	ds := checkDSN(t, dsns[0], "alice@a.example", "text/rfc822-headers|message/rfc822")
	r := ds.Recipients[0]
	if r.Action != "failed" || r.Status != "4.4.7" || !strings.Contains(r.DiagnosticCode, "451 4.2.0 mailbox busy") {
		t.Fatalf("recipient status %+v", r)
	}
}

// checkDSN parses a DSN as a client would and returns its delivery-status.
// wantOriginal lists acceptable content types of the third part.
func checkDSN(t *testing.T, d capturedDSN, sender, wantOriginal string) *DeliveryStatus {
	t.Helper()
	if d.From != "" || len(d.To) != 1 || d.To[0] != sender {
		t.Fatalf("DSN envelope from=%q to=%v", d.From, d.To)
	}
	if !strings.Contains(d.Body, "\r\n") || strings.Contains(strings.ReplaceAll(d.Body, "\r\n", ""), "\n") {
		t.Fatal("DSN does not use CRLF line endings throughout")
	}
	m, err := mail.ReadMessage(strings.NewReader(d.Body))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Auto-Submitted") != "auto-replied" || m.Header.Get("Message-ID") == "" || m.Header.Get("Date") == "" {
		t.Fatalf("DSN header %v", m.Header)
	}
	if _, err := mail.ParseDate(m.Header.Get("Date")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("content type %q %v", mt, params)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	var ds *DeliveryStatus
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		body, _ := io.ReadAll(p)
		switch ct {
		case "message/delivery-status", "message/global-delivery-status":
			if ds, err = ParseDeliveryStatus(bytes.NewReader(body)); err != nil {
				t.Fatalf("delivery-status: %v\n%s", err, body)
			}
		case "message/rfc822", "text/rfc822-headers":
			if _, err := mail.ReadMessage(bytes.NewReader(append(body, "\r\n"...))); err != nil {
				t.Fatalf("returned content: %v", err)
			}
		}
	}
	if len(types) < 2 || types[0] != "text/plain" || ds == nil {
		t.Fatalf("parts %v", types)
	}
	if wantOriginal == "" {
		if len(types) != 2 {
			t.Fatalf("parts %v, want no returned content", types)
		}
	} else if len(types) != 3 || !strings.Contains(wantOriginal, types[2]) {
		t.Fatalf("parts %v, want the third to be %s", types, wantOriginal)
	}
	if ds.ReportingMTA != "dns; relay.test" {
		t.Fatalf("Reporting-MTA %q", ds.ReportingMTA)
	}
	return ds
}

// TestQueuePermanentFailureOneDSN: one recipient refused with 550, one
// delivered: exactly one DSN, for the refused one, with the whole message.
func TestQueuePermanentFailureOneDSN(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		if d.Domain == "bad.example" {
			return all(d, StatusPermanent, 550, [3]int{5, 1, 1}, "no such user")
		}
		return deliverAll(d, body)
	}, nil)
	env := &Envelope{From: "alice@a.example", EnvelopeID: "ENV123", Rcpts: []Recipient{
		{Addr: "bob@bad.example", ORCPTType: "rfc822", ORCPT: "Bob@bad.example"},
		{Addr: "carol@good.example"},
	}}
	if _, err := h.q.Enqueue(context.Background(), env, strings.NewReader(testMsg)); err != nil {
		t.Fatal(err)
	}
	h.wait(EventDone)
	dsns := h.dsn.All()
	if len(dsns) != 1 {
		t.Fatalf("%d DSNs, want exactly 1", len(dsns))
	}
	ds := checkDSN(t, dsns[0], "alice@a.example", "message/rfc822")
	if ds.EnvelopeID != "ENV123" || len(ds.Recipients) != 1 {
		t.Fatalf("DSN %+v", ds)
	}
	r := ds.Recipients[0]
	if r.FinalRecipient != "bob@bad.example" || r.OriginalRecipient != "Bob@bad.example" || r.Action != "failed" || r.Status != "5.1.1" ||
		r.RemoteMTA != "dns; mx.bad.example" || r.DiagnosticCode != "smtp; 550 5.1.1 no such user" {
		t.Fatalf("recipient %+v", r)
	}
	if !strings.Contains(dsns[0].Body, "Hello Bob.") {
		t.Fatal("returned message missing")
	}
}

func TestQueueDSNHonoursRETAndNOTIFY(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		return all(d, StatusPermanent, 550, [3]int{5, 7, 1}, "rejected")
	}, nil)
	// RET=HDRS: only the header comes back.
	h.q.Enqueue(context.Background(), &Envelope{From: "a@a.example", Return: smtp.DSNReturnHeaders, Rcpts: []Recipient{{Addr: "b@b.example"}}}, strings.NewReader(testMsg))
	h.wait(EventDone)
	// NOTIFY=NEVER: nothing.
	h.q.Enqueue(context.Background(), &Envelope{From: "a@a.example", Rcpts: []Recipient{{Addr: "b@b.example", Notify: []smtp.DSNNotify{smtp.DSNNotifyNever}}}}, strings.NewReader(testMsg))
	h.wait(EventDone)
	// NOTIFY=DELAY only: no failure DSN.
	h.q.Enqueue(context.Background(), &Envelope{From: "a@a.example", Rcpts: []Recipient{{Addr: "b@b.example", Notify: []smtp.DSNNotify{smtp.DSNNotifyDelayed}}}}, strings.NewReader(testMsg))
	h.wait(EventDone)
	// The null sender never gets a DSN (RFC 3461 §6.1, RFC 5321 §4.5.5).
	h.q.Enqueue(context.Background(), &Envelope{From: "", Rcpts: []Recipient{{Addr: "b@b.example"}}}, strings.NewReader(testMsg))
	h.wait(EventDone)
	dsns := h.dsn.All()
	if len(dsns) != 1 {
		t.Fatalf("%d DSNs, want 1", len(dsns))
	}
	checkDSN(t, dsns[0], "a@a.example", "text/rfc822-headers")
	if strings.Contains(dsns[0].Body, "Hello Bob.") || !strings.Contains(dsns[0].Body, "Subject: hi") {
		t.Fatal("RET=HDRS returned the body or lost the header")
	}
}

// NOTIFY=SUCCESS and a next hop that cannot take the DSN duty: "relayed".
func TestQueueRelayedDSN(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), deliverAll, nil)
	h.q.Enqueue(context.Background(), &Envelope{From: "a@a.example", Rcpts: []Recipient{{Addr: "b@b.example", Notify: []smtp.DSNNotify{smtp.DSNNotifySuccess, smtp.DSNNotifyFailure}}}}, strings.NewReader(testMsg))
	h.wait(EventDone)
	dsns := h.dsn.All()
	if len(dsns) != 1 {
		t.Fatalf("%d DSNs", len(dsns))
	}
	ds := checkDSN(t, dsns[0], "a@a.example", "text/rfc822-headers")
	if ds.Recipients[0].Action != "relayed" || ds.Recipients[0].Status != "2.0.0" {
		t.Fatalf("%+v", ds.Recipients[0])
	}
}

func TestQueueDelayNoticeOnce(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		return all(d, StatusTemporary, 452, [3]int{4, 2, 2}, "mailbox full")
	}, func(q *Queue) { q.DelayNotice = 12 * time.Minute })
	h.q.Relay(context.Background(), "a@a.example", []string{"b@b.example"}, strings.NewReader(testMsg))
	for range 5 { // attempts at 0, 5, 15, 35, 75 min
		h.wait(EventAttempt)
		h.advance(h.q.List()[0].Rcpts[0].NextAttempt.Sub(h.clock.Now()))
	}
	h.wait(EventAttempt)
	dsns := h.dsn.All()
	if len(dsns) != 1 {
		t.Fatalf("%d delay DSNs, want 1", len(dsns))
	}
	ds := checkDSN(t, dsns[0], "a@a.example", "text/rfc822-headers")
	r := ds.Recipients[0]
	if r.Action != "delayed" || r.Status != "4.2.2" || r.Fields.Get("Will-Retry-Until") == "" {
		t.Fatalf("%+v", r)
	}
}

// TestQueueRemoteDownThenBack: temporary failures until the remote comes
// back; delivered after the retries, no DSN.
func TestQueueRemoteDownThenBack(t *testing.T) {
	var mu sync.Mutex
	up := false
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		mu.Lock()
		defer mu.Unlock()
		if !up {
			return all(d, StatusTemporary, 451, [3]int{4, 4, 1}, "No mail exchanger reachable")
		}
		return deliverAll(d, body)
	}, nil)
	h.q.Relay(context.Background(), "a@a.example", []string{"b@b.example"}, strings.NewReader(testMsg))
	for range 3 {
		h.wait(EventAttempt)
		h.advance(h.q.List()[0].Rcpts[0].NextAttempt.Sub(h.clock.Now()))
	}
	h.wait(EventAttempt)
	mu.Lock()
	up = true
	mu.Unlock()
	h.advance(h.q.List()[0].Rcpts[0].NextAttempt.Sub(h.clock.Now()))
	h.wait(EventDone)
	if n := len(h.tr.Calls()); n != 5 || len(h.dsn.All()) != 0 {
		t.Fatalf("%d attempts, %d DSNs", n, len(h.dsn.All()))
	}
}

func TestQueueRetryNowAndRemove(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		return all(d, StatusTemporary, 451, [3]int{4, 0, 0}, "later")
	}, nil)
	h.q.Relay(context.Background(), "a@a.example", []string{"b@b.example"}, strings.NewReader(testMsg))
	h.wait(EventAttempt)
	id := h.q.List()[0].ID
	if err := h.q.RetryNow(id); err != nil {
		t.Fatal(err)
	}
	h.wait(EventAttempt)
	if n := len(h.tr.Calls()); n != 2 {
		t.Fatalf("%d attempts after RetryNow", n)
	}
	if err := h.q.Remove(id); err != nil {
		t.Fatal(err)
	}
	h.wait(EventDone)
	if len(h.q.List()) != 0 {
		t.Fatal("removed message still listed")
	}
	if _, err := os.Stat(filepath.Join(h.q.Dir, "msg", id)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("removed message still on disk: %v", err)
	}
	if h.q.RetryNow(id) != ErrNotQueued || h.q.Remove(id) != ErrNotQueued {
		t.Fatal("unknown id accepted")
	}
	h.advance(time.Hour)
	if n := len(h.tr.Calls()); n != 2 || len(h.dsn.All()) != 0 {
		t.Fatalf("removed message was retried (%d) or bounced", n)
	}
}

// TestQueueRestartResumes: messages queued (and half-tried) before Close
// are delivered by a new Queue on the same directory, with their state and
// Message-ID.
func TestQueueRestartResumes(t *testing.T) {
	dir := t.TempDir()
	h := newQueueHarness(t, dir, func(d *Delivery, body string) []Result {
		if d.Domain == "ok.example" {
			return deliverAll(d, body)
		}
		return all(d, StatusTemporary, 451, [3]int{4, 0, 0}, "later")
	}, nil)
	h.q.Relay(context.Background(), "a@a.example", []string{"x@ok.example", "y@down.example"}, strings.NewReader("Subject: s\r\n\r\nx\r\n"))
	h.wait(EventAttempt)
	h.wait(EventAttempt)
	before := h.q.List()
	h.q.Close()

	h2 := newQueueHarness(t, dir, deliverAll, nil)
	if l := h2.q.List(); len(l) != 1 || l[0].Rcpts[0].Status != StatusDelivered || l[0].Rcpts[1].Attempts != 1 {
		t.Fatalf("state not resumed: %+v", l)
	}
	// The saved retry time holds across the restart.
	h2.advance(DefaultRetryMin)
	h2.wait(EventDone)
	calls := h2.tr.Calls()
	if len(calls) != 1 || calls[0].Domain != "down.example" {
		t.Fatalf("after restart: %+v (the delivered recipient must not be sent again)", calls)
	}
	if !strings.Contains(calls[0].Body, "Message-ID: <"+before[0].MessageID+">") {
		t.Fatalf("Message-ID changed across restart: %q vs %q", calls[0].Body, before[0].MessageID)
	}
}

func TestQueueLimits(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		<-block
		return deliverAll(d, body)
	}, func(q *Queue) {
		q.MaxMessageSize = 100
		q.MaxRecipients = 2
		q.MaxMessages = 1
	})
	ctx := context.Background()
	wantCode := func(err error, code int) {
		t.Helper()
		var se *smtp.Error
		if !errors.As(err, &se) || se.Code != code {
			t.Fatalf("err %v, want code %d", err, code)
		}
	}
	wantCode(h.q.Relay(ctx, "a@a.example", []string{"b@b.example"}, strings.NewReader(strings.Repeat("x", 101))), 552)
	wantCode(h.q.Relay(ctx, "a@a.example", []string{"1@b.example", "2@b.example", "3@b.example"}, strings.NewReader("x")), 452)
	wantCode(h.q.Relay(ctx, "a@a.example", nil, strings.NewReader("x")), 554)
	wantCode(h.q.Relay(ctx, "a@a.example", []string{"nodomain"}, strings.NewReader("x")), 553)
	if err := h.q.Relay(ctx, "a@a.example", []string{"b@b.example"}, strings.NewReader(strings.Repeat("x", 100))); err != nil {
		t.Fatal(err)
	}
	wantCode(h.q.Relay(ctx, "a@a.example", []string{"b@b.example"}, strings.NewReader("x")), 452) // full
	if ents, _ := os.ReadDir(filepath.Join(h.q.Dir, "tmp")); len(ents) != 0 {
		t.Fatalf("refused message left in tmp/: %v", ents)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	h2 := newQueueHarness(t, t.TempDir(), deliverAll, nil)
	if err := h2.q.Relay(cctx, "a@a.example", []string{"b@b.example"}, strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	h2.q.Close()
	if err := h2.q.Relay(ctx, "a@a.example", []string{"b@b.example"}, strings.NewReader("x")); !errors.Is(err, ErrQueueClosed) {
		t.Fatalf("closed queue: %v", err)
	}
}

// TestQueueDomainConcurrency: at most DomainConcurrency deliveries to one
// domain at a time, while another domain is not held up.
func TestQueueDomainConcurrency(t *testing.T) {
	release := make(chan struct{})
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		if d.Domain == "slow.example" {
			<-release
		}
		return deliverAll(d, body)
	}, func(q *Queue) { q.DomainConcurrency = 2 })
	for range 6 {
		h.q.Relay(context.Background(), "a@a.example", []string{"b@slow.example"}, strings.NewReader(testMsg))
	}
	h.q.Relay(context.Background(), "a@a.example", []string{"c@fast.example"}, strings.NewReader(testMsg))
	h.wait(EventDone) // the fast one, while the slow ones block
	close(release)
	for range 6 {
		h.wait(EventDone)
	}
	h.tr.mu.Lock()
	defer h.tr.mu.Unlock()
	if m := h.tr.maxInFlight["slow.example"]; m != 2 {
		t.Fatalf("max in flight to slow.example = %d, want 2", m)
	}
}

func TestQueueNeedsDir(t *testing.T) {
	q := &Queue{}
	if q.Start() == nil {
		t.Fatal("Start without Dir succeeded")
	}
}

// TestQueueBounceThroughItself: with SendDSN = q.Relay the DSN is queued
// from <> like any message; when it cannot be delivered either, nothing
// more is generated (no bounce loops).
func TestQueueBounceThroughItself(t *testing.T) {
	h := newQueueHarness(t, t.TempDir(), func(d *Delivery, body string) []Result {
		return all(d, StatusPermanent, 550, [3]int{5, 1, 1}, "no such user")
	}, nil)
	h.q.SendDSN = h.q.Relay
	h.q.Relay(context.Background(), "alice@a.example", []string{"bob@b.example"}, strings.NewReader(testMsg))
	h.wait(EventDone)
	h.wait(EventDone) // the bounce, refused too
	calls := h.tr.Calls()
	if len(calls) != 2 || calls[1].Domain != "a.example" || !strings.Contains(calls[1].Body, "multipart/report") {
		t.Fatalf("deliveries %+v", calls)
	}
	if len(h.q.List()) != 0 {
		t.Fatalf("left in queue: %+v", h.q.List())
	}
	for _, e := range h.drain() {
		if e.Kind == EventQueued {
			t.Fatal("a bounce of a bounce was queued")
		}
	}
}
