// Command latencyproxy is the bench's stand-in for a remote cluster: plain HTTP on
// 127.0.0.1 in front of the harness API server, adding a fixed delay per request.
//
// It is written in Go so that the proxy itself costs almost no CPU: the bench runs
// on a small machine, and a Python proxy relaying 125 parallel discovery requests
// spent more CPU than the clients being measured, inflating every figure.
//
// Each request waits -delay, then goes upstream over HTTPS with the admin bearer
// token injected (clients drop tokens over plain http). With -legacy the
// aggregated-discovery Accept types are stripped on /api and /apis, which makes the
// server a legacy-only one. GET /__bench/take returns the requests counted since the
// last take (method and path each) and resets the count; it is not counted itself.
// The listening address is printed on stdout as the first line. It exits when its stdin
// closes, so a bench that dies does not leave it behind.
//
// The upstream request does not inherit the cancellation of the client's request: once a
// request is relayed, its reply is read to the end and relayed whole. With the inherited
// context, net/http closed the upstream connection in the middle of a reply whenever it
// cancelled the client's request context, and the client (kubectl apply, in the bench's
// apply section) got a reply cut short: "unexpected error when reading response body ...
// unexpected EOF". A client that really went away still ends the relay: the next write to
// it fails. A reply that breaks anyway is logged with its method and path.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

type counter struct {
	mu    sync.Mutex
	paths []string
}

func (c *counter) add(p string) {
	c.mu.Lock()
	c.paths = append(c.paths, p)
	c.mu.Unlock()
}

func (c *counter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.paths
	c.paths = nil
	if p == nil {
		p = []string{}
	}
	return p
}

func main() {
	upstream := flag.String("upstream", "", "https URL of the API server")
	caFile := flag.String("ca", "", "PEM file of the API server's CA")
	tokenFile := flag.String("token-file", "", "file holding the bearer token to inject")
	delay := flag.Duration("delay", 20*time.Millisecond, "added per request")
	legacy := flag.Bool("legacy", false, "strip aggregated discovery from /api and /apis")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		log.Fatalf("bad -upstream %q", *upstream)
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		log.Fatal("no certificate in -ca")
	}
	token, err := os.ReadFile(*tokenFile)
	if err != nil {
		log.Fatal(err)
	}
	bearer := "Bearer " + strings.TrimSpace(string(token))

	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool},
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     5 * time.Minute,
		ForceAttemptHTTP2:   false, // HTTP/1.1 upstream, as the clients speak downstream
		DisableCompression:  true,  // relay the client's Accept-Encoding as it is
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = transport
	rp.FlushInterval = -1 // watch events go out as they come
	base := rp.Director
	rp.Director = func(r *http.Request) {
		base(r)
		r.Host = target.Host
		r.Header.Set("Authorization", bearer)
		if *legacy && (r.URL.Path == "/api" || r.URL.Path == "/apis" || r.URL.Path == "/api/" || r.URL.Path == "/apis/") {
			r.Header.Set("Accept", "application/json")
		}
	}

	var count counter
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__bench/take" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(count.take())
			return
		}
		what := r.Method + " " + r.URL.RequestURI()
		count.add(what)
		defer func() {
			if v := recover(); v != nil {
				log.Printf("latencyproxy: %s: relay aborted: %v", what, v)
				panic(v)
			}
		}()
		time.Sleep(*delay)
		rp.ServeHTTP(w, r.WithContext(context.WithoutCancel(r.Context())))
	})

	// The bench holds our stdin open; when it goes away (finished, killed, interrupted) so do we,
	// instead of lingering as an orphan.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal((&http.Server{Handler: mux}).Serve(ln))
}
