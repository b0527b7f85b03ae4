package dnsmx

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/smtp"
)

// TestRelayTLSPolicies runs each STARTTLS policy against servers with a
// valid certificate (mx1), a certificate for another name (mx2), one from
// an unknown CA (mx3) and no TLS at all (mx4).
func TestRelayTLSPolicies(t *testing.T) {
	e := newSTSEnv(t)
	for _, tc := range []struct {
		policy  TLSPolicy
		mx      string
		want    Status
		wantTLS bool
	}{
		{TLSOpportunistic, "mx1.a.test", StatusDelivered, true},
		{TLSOpportunistic, "mx3.a.test", StatusDelivered, true}, // unverified is fine
		{TLSOpportunistic, "mx4.a.test", StatusDelivered, false},
		{TLSNone, "mx1.a.test", StatusDelivered, false},
		{TLSRequired, "mx3.a.test", StatusDelivered, true},
		{TLSRequired, "mx4.a.test", StatusTemporary, false},
		{TLSRequiredVerified, "mx1.a.test", StatusDelivered, true},
		{TLSRequiredVerified, "mx2.a.test", StatusTemporary, false}, // wrong name
		{TLSRequiredVerified, "mx3.a.test", StatusTemporary, false}, // unknown CA
	} {
		t.Run(tc.policy.String()+"/"+tc.mx, func(t *testing.T) {
			e.reset()
			e.domain("p.test", "", "", tc.mx)
			r := e.relayer()
			r.MTASTS = nil
			r.TLSPolicy = tc.policy
			res := r.Deliver(context.Background(), testDelivery("p.test", "bob@p.test"))
			wantStatus(t, res, tc.want)
			msgs := e.mxs[tc.mx].Messages()
			if tc.want == StatusDelivered && (len(msgs) != 1 || msgs[0].TLS != tc.wantTLS) {
				t.Fatalf("messages %+v, want TLS=%v", msgs, tc.wantTLS)
			}
			if tc.want != StatusDelivered && len(msgs) != 0 {
				t.Fatal("delivered against the policy")
			}
		})
	}
}

// TestRelayReusesConnections: consecutive messages to one domain share a
// connection; a kept connection the server closed meanwhile is replaced
// without a failure.
func TestRelayReusesConnections(t *testing.T) {
	e := newSTSEnv(t)
	e.domain("p.test", "", "", "mx4.a.test")
	r := e.relayer()
	r.MTASTS = nil
	r.MaxIdlePerTarget = 0 // default
	defer r.Close()
	ctx := context.Background()
	for range 3 {
		wantStatus(t, r.Deliver(ctx, testDelivery("p.test", "bob@p.test")), StatusDelivered)
	}
	mx := e.mxs["mx4.a.test"]
	if n := mx.Sessions(); n != 1 || len(mx.Messages()) != 3 {
		t.Fatalf("%d sessions for %d messages", n, len(mx.Messages()))
	}
	// Break the kept connection from the client side's point of view: the
	// server goes away and comes back on the same address.
	r.mu.Lock()
	for _, list := range r.idle {
		for _, ic := range list {
			ic.c.Close()
		}
	}
	r.mu.Unlock()
	wantStatus(t, r.Deliver(ctx, testDelivery("p.test", "bob@p.test")), StatusDelivered)
	if n := mx.Sessions(); n != 2 || len(mx.Messages()) != 4 {
		t.Fatalf("%d sessions, %d messages after a stale connection", n, len(mx.Messages()))
	}
}

// TestRelayPassesDSNAndUTF8: the DSN parameters go to a server that offers
// DSN (RFC 3461 §5.2.1), and an SMTPUTF8 message is sent with SMTPUTF8.
func TestRelayPassesDSNAndUTF8(t *testing.T) {
	e := newSTSEnv(t)
	e.domain("p.test", "", "", "mx4.a.test")
	r := e.relayer()
	r.MTASTS = nil
	d := testDelivery("p.test", "bob@p.test", "josé@p.test")
	d.EnvelopeID, d.Return, d.SMTPUTF8 = "ENV1", smtp.DSNReturnHeaders, true
	d.Rcpts[0].Notify = []smtp.DSNNotify{smtp.DSNNotifySuccess, smtp.DSNNotifyFailure}
	d.Rcpts[0].ORCPTType, d.Rcpts[0].ORCPT = "rfc822", "Bob@p.test"
	res := r.Deliver(context.Background(), d)
	wantStatus(t, res, StatusDelivered, StatusDelivered)
	if !res[0].DSNRelayed {
		t.Fatal("DSNRelayed not set for a DSN-capable server")
	}
	m := e.mxs["mx4.a.test"].Messages()[0]
	if m.Mail.EnvelopeID != "ENV1" || m.Mail.Return != smtp.DSNReturnHeaders || !m.Mail.SMTPUTF8 {
		t.Fatalf("MAIL options %+v", m.Mail)
	}
	if len(m.RcptOpts) != 2 || len(m.RcptOpts[0].Notify) != 2 || m.RcptOpts[0].OriginalRecipient != "Bob@p.test" || m.Rcpts[1] != "josé@p.test" {
		t.Fatalf("RCPT options %+v rcpts %v", m.RcptOpts, m.Rcpts)
	}
}

func TestRelaySmartHost(t *testing.T) {
	e := newSTSEnv(t)
	mx := e.mxs["mx4.a.test"]
	r := &Relayer{SmartHost: mx.Addr, Resolver: &MockResolver{}, HelloName: "relay.test", Logger: discardLogger()}
	defer r.Close()
	d := testDelivery("anywhere.example", "x@anywhere.example")
	d.Body = func() io.Reader { return strings.NewReader(testMsg) }
	wantStatus(t, r.Deliver(context.Background(), d), StatusDelivered)
	if len(mx.Messages()) != 1 {
		t.Fatal("smart host did not receive")
	}
	bad := &Relayer{SmartHost: "no-port", Logger: discardLogger()}
	wantStatus(t, bad.Deliver(context.Background(), d), StatusTemporary)
}

// A DNS failure is temporary with 4.4.3; a literal domain goes straight
// to its address.
func TestRelayLookupOutcomes(t *testing.T) {
	e := newSTSEnv(t)
	e.mock.Err = map[string]error{"flaky.test": &netDNSTemp}
	r := e.relayer()
	r.MTASTS = nil
	res := r.Deliver(context.Background(), testDelivery("flaky.test", "x@flaky.test"))
	wantStatus(t, res, StatusTemporary)
	if res[0].Reply.EnhancedCode != [3]int{4, 4, 3} {
		t.Fatalf("%+v", res[0].Reply)
	}
	res = r.Deliver(context.Background(), testDelivery("[127.0.0.6]", "x@[127.0.0.6]"))
	wantStatus(t, res, StatusDelivered)
	if len(e.mxs["mx4.a.test"].Messages()) != 1 {
		t.Fatal("literal not delivered")
	}
}
