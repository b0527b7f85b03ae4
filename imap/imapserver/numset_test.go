package imapserver

import "testing"

// Sequence sets are parsed and resolved by package imap (RFC 9051 §9
// sequence-set, §6.4.8 UID ranges); these steps pin what the server
// answers with them.
func TestSequenceSets(t *testing.T) {
	_, c := selectedClient(t, 5) // UIDs 1..5
	runSteps(t, c, []step{
		{"a FETCH *:4 UID", "OK", []string{"* 4 FETCH (UID 4)", "* 5 FETCH (UID 5)"}, []string{"* 3 FETCH"}},
		{"b FETCH 3:2,2,5 UID", "OK", []string{"* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 5 FETCH (UID 5)"}, []string{"* 1 FETCH", "* 4 FETCH"}},
		{"c FETCH 6 UID", "BAD", nil, nil},
		{"d FETCH 1:6 UID", "BAD", nil, nil},
		{"e FETCH 01 UID", "BAD", nil, nil}, // nz-number has no leading zero
		{"f FETCH 1, UID", "BAD", nil, nil},
		{"g FETCH 4294967296 UID", "BAD", nil, nil},
		{"h UID FETCH 9:* UID", "OK", []string{"* 5 FETCH (UID 5)"}, []string{"* 4 FETCH"}},
		{"i UID FETCH 7:9 UID", "OK", nil, []string{"FETCH ("}},
		{"j UID FETCH 2,4:3 UID", "OK", []string{"* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)"}, []string{"* 1 FETCH"}},
		{"k SEARCH 2:3", "OK", []string{"* SEARCH 2 3"}, nil},
		{"l SEARCH UID 4:*", "OK", []string{"* SEARCH 4 5"}, nil},
		{"m SEARCH *:3 NOT 5", "OK", []string{"* SEARCH 3 4"}, nil},
		{"n SEARCH UID 9:*", "OK", []string{"* SEARCH 5"}, nil},
		{"o SEARCH OR 1 UID 7:9", "OK", []string{"* SEARCH 1"}, nil},
	})
}
