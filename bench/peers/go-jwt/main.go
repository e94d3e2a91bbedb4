// Peer harness: validates tokens with github.com/golang-jwt/jwt/v5 in a timed loop.
//
//	go-jwt --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS --aud AUD --seconds S
//
// --token is one token; --tokens is a set, one token per line (bench/make_distinct.py), walked
// round-robin. Every token must validate, and a tampered signature, a wrong audience and a
// wrong issuer must be rejected, before anything is timed. The key is parsed once and the
// Parser (with its validation options) built once, as the package documents.
//
// Prints one JSON line: {"peer":..,"version":..,"alg":..,"ops_per_sec":..,"ok":true}
// or {"peer":..,"version":..,"alg":..,"ok":false,"error":".."}.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const peer = "go-jwt"

// claims is what a resource server reads after validation; the registered claims carry
// exp, iss and aud for the parser's checks.
type claims struct {
	jwt.RegisteredClaims
	Scope string `json:"scope"`
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/golang-jwt/jwt/v5" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// result is the one line the harness prints, fields in the order the other peers use.
type result struct {
	Peer      string   `json:"peer"`
	Version   string   `json:"version"`
	Alg       string   `json:"alg"`
	Tokens    int      `json:"tokens,omitempty"`
	OpsPerSec *float64 `json:"ops_per_sec,omitempty"`
	// OpsPerCPUSec is per second of the process's CPU time (every thread, the collector's
	// too): on a machine shared with other work it counts work, not waiting.
	OpsPerCPUSec *float64 `json:"ops_per_cpu_sec,omitempty"`
	OK           bool     `json:"ok"`
	Error        string   `json:"error,omitempty"`
}

func emit(r result) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
	os.Stdout.Write(buf.Bytes())
}

func fail(alg, msg string, code int) {
	emit(result{Peer: peer, Version: version(), Alg: alg, OK: false, Error: msg})
	os.Exit(code)
}

// tamper changes the first character of the signature segment.
func tamper(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 || i+1 >= len(tok) {
		return tok + "x"
	}
	c := byte('A')
	if tok[i+1] == 'A' {
		c = 'B'
	}
	return tok[:i+1] + string(c) + tok[i+2:]
}

// cpuTime is the CPU time the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("", "getrusage: "+err.Error(), 1)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadKey(alg string, raw []byte) (any, error) {
	switch alg {
	case "RS256", "PS256":
		return jwt.ParseRSAPublicKeyFromPEM(raw)
	case "ES256", "ES384":
		return jwt.ParseECPublicKeyFromPEM(raw)
	case "EdDSA":
		return jwt.ParseEdPublicKeyFromPEM(raw)
	case "HS256", "HS384", "HS512":
		return raw, nil
	}
	return nil, fmt.Errorf("unsupported")
}

func newParser(alg, iss, aud string) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{alg}),
		jwt.WithIssuer(iss),
		jwt.WithAudience(aud),
		jwt.WithExpirationRequired(),
	)
}

func main() {
	alg := flag.String("alg", "", "algorithm")
	tokenPath := flag.String("token", "", "token file")
	tokensPath := flag.String("tokens", "", "token set file, one token per line")
	keyPath := flag.String("key", "", "key file (SPKI PEM, or raw HMAC secret)")
	iss := flag.String("iss", "", "expected issuer")
	aud := flag.String("aud", "", "expected audience")
	seconds := flag.Float64("seconds", 1, "measuring time")
	flag.Parse()
	if *alg == "" || (*tokenPath == "") == (*tokensPath == "") || *keyPath == "" {
		flag.Usage()
		os.Exit(64)
	}
	switch *alg {
	case "RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512":
	default:
		fail(*alg, "unsupported", 2)
	}
	path := *tokenPath
	if path == "" {
		path = *tokensPath
	}
	tb, err := os.ReadFile(path)
	if err != nil {
		fail(*alg, err.Error(), 1)
	}
	var tokens []string
	for _, line := range strings.Split(string(tb), "\n") {
		if t := strings.TrimSpace(line); t != "" {
			tokens = append(tokens, t)
		}
	}
	if len(tokens) == 0 {
		fail(*alg, path+": no token", 1)
	}
	token := tokens[0]
	kb, err := os.ReadFile(*keyPath)
	if err != nil {
		fail(*alg, err.Error(), 1)
	}
	// Parsing the key once is what a resource server does at start-up.
	key, err := loadKey(*alg, kb)
	if err != nil {
		fail(*alg, "key: "+err.Error(), 1)
	}
	keyFunc := func(*jwt.Token) (any, error) { return key, nil }
	p := newParser(*alg, *iss, *aud)
	check := func(p *jwt.Parser, tok string) (*claims, error) {
		c := &claims{}
		_, err := p.ParseWithClaims(tok, c, keyFunc)
		return c, err
	}

	for i, t := range tokens {
		if _, err := check(p, t); err != nil {
			fail(*alg, fmt.Sprintf("token %d does not validate: %v", i+1, err), 1)
		}
	}
	if _, err := check(p, tamper(token)); err == nil {
		fail(*alg, "tampered token accepted", 1)
	}
	if _, err := check(newParser(*alg, *iss, "not-the-audience"), token); err == nil {
		fail(*alg, "wrong audience accepted", 1)
	}
	if _, err := check(newParser(*alg, "https://not-the-issuer.example", *aud), token); err == nil {
		fail(*alg, "wrong issuer accepted", 1)
	}

	const batch = 16
	var sink int
	next := 0
	run := func(limit time.Duration) (int, time.Duration) {
		start := time.Now()
		n := 0
		for {
			for i := 0; i < batch; i++ {
				t := tokens[next]
				if next++; next == len(tokens) {
					next = 0
				}
				c, err := check(p, t)
				if err != nil {
					fail(*alg, "validation failed in the loop: "+err.Error(), 1)
				}
				sink += len(c.Scope)
			}
			n += batch
			if el := time.Since(start); el >= limit {
				return n, el
			}
		}
	}
	warm := time.Duration(min(max(*seconds*0.1, 0.05), 0.25) * float64(time.Second))
	run(warm)
	cpu0 := cpuTime()
	n, el := run(time.Duration(max(*seconds, 0.01) * float64(time.Second)))
	cpu := cpuTime() - cpu0
	if sink < 0 {
		fmt.Fprintln(os.Stderr, sink)
	}
	ops := float64(int64(float64(n)/el.Seconds()*10)) / 10
	cpuOps := float64(int64(float64(n)/cpu.Seconds()*10)) / 10
	emit(result{Peer: peer, Version: version(), Alg: *alg, Tokens: len(tokens), OpsPerSec: &ops,
		OpsPerCPUSec: &cpuOps, OK: true})
}
