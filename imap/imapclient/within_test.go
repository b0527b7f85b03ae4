package imapclient_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// WITHIN (RFC 5032) against the server: OLDER and YOUNGER in seconds.
func TestWithinAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	needCap(t, c, "WITHIN")
	msg := "From: a@b\r\nSubject: w\r\n\r\nw\r\n"
	for _, age := range []time.Duration{time.Hour, 10 * 24 * time.Hour} {
		opts := &imapclient.AppendOptions{Time: time.Now().Add(-age)}
		if _, err := c.Append("INBOX", int64(len(msg)), strings.NewReader(msg), opts).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		crit imap.SearchCriteria
		want []uint32
	}{
		{imap.SearchCriteria{Younger: 86400}, []uint32{1}},
		{imap.SearchCriteria{Older: 86400}, []uint32{2}},
		{imap.SearchCriteria{Older: 60, Younger: 30 * 86400}, []uint32{1, 2}},
	} {
		res, err := c.Search(false, &tc.crit, nil).Wait()
		if err != nil || !slices.Equal(res.AllNums(), tc.want) {
			t.Errorf("%+v: %v %v, want %v", tc.crit, res.AllNums(), err, tc.want)
		}
	}
}
