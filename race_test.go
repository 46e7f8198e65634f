//go:build race

// Under the race detector everything runs several times slower.
package main

func init() { raceEnabled = true }
