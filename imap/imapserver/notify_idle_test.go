package imapserver

import "testing"

// RFC 5465 §4: IDLE sends exactly what NOTIFY asked for, including other
// mailboxes' STATUS.
func TestNotifyIdle(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	a.selectBox("INBOX")
	a.mustOK("n1 NOTIFY SET (selected-delayed (MessageNew MessageExpunge)) (mailboxes Sent (MessageNew MessageExpunge))")
	a.send("i1 IDLE\r\n")
	a.next("+ idling")
	ts.b.appendMsg("Sent", simpleMsg)
	a.next(`* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1002 UNSEEN 1)`)
	ts.b.appendMsg("INBOX", simpleMsg)
	a.next("* 1 EXISTS")
	a.next("* 1 RECENT")
	a.send("DONE\r\n")
	a.readUntilTag("i1")
}
