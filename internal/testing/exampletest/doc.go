// Package exampletest runs the programs under examples/ in their tests: it
// builds them, starts them as processes that talk to a kumo emulator with
// fake static credentials, counts the AWS calls they make through a proxy,
// and checks that no secret value reaches their output.
package exampletest
