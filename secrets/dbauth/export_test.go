package dbauth

import "time"

// SetTokenClock makes a's tokens read the time from now, for the tests of
// their renewal: tokens are built with the real time all the same.
func SetTokenClock(a *Auth, now func() time.Time) { a.iam.now = now }

// TokensBuilt returns how many tokens a has built.
func TokensBuilt(a *Auth) int64 { return a.iam.builds.Load() }
