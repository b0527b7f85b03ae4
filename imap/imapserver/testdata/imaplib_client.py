# Drives the server with Python's imaplib (a client no one here wrote).
# Usage: imaplib_client.py HOST PORT
import imaplib, socket, sys, time

host, port = sys.argv[1], int(sys.argv[2])
M = imaplib.IMAP4(host, port)
typ, caps = M.capability()
assert typ == "OK" and b"IMAP4rev1" in caps[0], caps
typ, _ = M.login("user", "pass")
assert typ == "OK"
typ, boxes = M.list()
assert typ == "OK" and any(b'INBOX' in b for b in boxes), boxes
msg = b"From: py@example.org\r\nTo: bob@example.com\r\nSubject: from python\r\n\r\nHello from imaplib\r\n"
typ, data = M.append("INBOX", "(\\Flagged)", imaplib.Time2Internaldate(time.time()), msg)
assert typ == "OK", data
typ, data = M.select("INBOX")
assert typ == "OK", data
count = int(data[0])
assert count >= 1, data
typ, data = M.search(None, "SUBJECT", '"from python"')
assert typ == "OK" and data[0].split(), data
num = data[0].split()[-1]
typ, data = M.fetch(num, "(RFC822 FLAGS)")
assert typ == "OK", data
assert data[0][1] == msg, data
typ, data = M.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] ENVELOPE BODYSTRUCTURE)")
assert typ == "OK" and b"from python" in data[0][1], data
typ, data = M.store(num, "+FLAGS", "\\Deleted")
assert typ == "OK" and b"\\Deleted" in data[0], data
typ, data = M.copy(num, "Trash")
assert typ == "OK", data
typ, data = M.uid("SEARCH", "ALL")
assert typ == "OK", data
typ, data = M.expunge()
assert typ == "OK" and data[0] == num, data
typ, data = M.status("Trash", "(MESSAGES)")
assert typ == "OK" and b"MESSAGES 1" in data[0], data
M.close()
M.logout()

# IDLE through a raw socket (imaplib has no IDLE before Python 3.14).
s = socket.create_connection((host, port))
f = s.makefile("rb")
f.readline()
def cmd(line):
    s.sendall(line + b"\r\n")
    tag = line.split(b" ")[0]
    out = []
    while True:
        l = f.readline()
        out.append(l)
        if l.startswith(tag + b" ") or l.startswith(b"+"):
            return out
cmd(b"a LOGIN user pass")
cmd(b"b SELECT INBOX")
assert cmd(b"c IDLE")[-1].startswith(b"+")
print("IDLING", flush=True)
line = f.readline()
assert line.endswith(b"EXISTS\r\n"), line
s.sendall(b"DONE\r\n")
while True:
    l = f.readline()
    if l.startswith(b"c "):
        assert l.startswith(b"c OK"), l
        break
print("OK")
