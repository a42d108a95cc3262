//go:build !race

package bench

// raceEnabled reports that the race detector is on.
const raceEnabled = false
