//go:build race

package bench

// raceEnabled reports that the race detector is on: it makes the fleet
// simulation, a driver of many Clients on one goroutine, some twenty times
// slower, and adds nothing the library's own tests do not cover.
const raceEnabled = true
