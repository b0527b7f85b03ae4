package smtp

// Server is an SMTP or LMTP server. Its zero value is usable once Backend is
// set; every limit field uses its documented default when zero.
type Server struct {
	// Backend receives the sessions. Required.
	Backend Backend
}
