package main

import (
	"expvar"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// newMeterProvider returns a MeterProvider whose metrics are collected on
// each scrape of the handler it returns, with the Go runtime's and the
// process's metrics of Prometheus's default registry.
func newMeterProvider() (*sdkmetric.MeterProvider, http.Handler, error) {
	// Prometheus-style names (secretref_reads_total), explicitly: the
	// exporter's default follows the name validation scheme of
	// prometheus/common, which may change.
	exporter, err := prometheus.New(prometheus.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes))
	if err != nil {
		return nil, nil, err
	}
	return sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)), promhttp.Handler(), nil
}

// adminRoutes serves the metrics and the expvar variables (Stats() as
// "secretref", the command line, memory statistics). It is served on
// ADMIN_ADDR, not on the service's listener: a collector in the same task
// scrapes it, callers of the service do not see it.
func adminRoutes(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.Handle("GET /debug/vars", expvar.Handler())
	return mux
}
