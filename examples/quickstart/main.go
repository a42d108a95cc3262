// Command quickstart resolves secret references through a secretref
// Client: a Secrets Manager secret by ARN and by name with a JSON key, and
// Parameter Store parameters by path. Values print as [REDACTED], repeated
// reads are answered from the cache without calling AWS, and a rotated
// secret is picked up and reported to a Watch function.
//
// With no arguments it runs against the kumo AWS emulator, started inside
// the program, so that it needs nothing but Go:
//
//	go run ./examples/quickstart
//
// Given references, it resolves them with the AWS configuration of the
// environment (credentials, AWS_REGION, AWS_ENDPOINT_URL) instead:
//
//	go run ./examples/quickstart sm:prod/db#password /prod/payments/api-key
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: quickstart          run against an emulator started in this process\n"+
			"       quickstart REF...   resolve references with the environment's AWS configuration\n")
	}
	flag.Parse()

	ctx := context.Background()
	var err error
	if flag.NArg() > 0 {
		err = resolve(ctx, os.Stdout, flag.Args())
	} else {
		err = demo(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}
