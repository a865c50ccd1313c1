//go:build race

package examples

// raceEnabled: the test binary was built with -race, so the tiny broker is
// too, which reuses the packages already compiled for the test.
const raceEnabled = true
