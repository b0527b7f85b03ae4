package dnsmx

import "time"

// Retry schedule defaults. RFC 5321 §4.5.4.1 asks for retries spread over
// at least 4-5 days and an interval of "at least 30 minutes" in general,
// while allowing "more sophisticated and variable strategies"; we start
// shorter (most temporary failures are greylisting or a restarting peer)
// and double up to a cap that respects the 30-minute guidance.
const (
	DefaultRetryMin = 5 * time.Minute
	DefaultRetryMax = 2 * time.Hour
	DefaultMaxAge   = 5 * 24 * time.Hour // RFC 5321 §4.5.4.1: "at least 4-5 days"
	// retryJitter spreads retries by ±20% so that messages deferred
	// together do not all come back at the same instant.
	retryJitter = 0.2
)

// backoff returns the wait after the n-th failed attempt (n ≥ 1):
// min·2^(n-1), capped at max, times a jitter factor in [1-j, 1+j) drawn
// from u, a uniform number in [0, 1).
func backoff(n int, min, max time.Duration, u float64) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	f := 1 - retryJitter + 2*retryJitter*u
	return time.Duration(float64(d) * f)
}
