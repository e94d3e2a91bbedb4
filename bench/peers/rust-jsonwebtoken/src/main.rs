//! Peer harness: validates tokens with the `jsonwebtoken` crate in a timed loop.
//!
//! rust-jsonwebtoken --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS --aud AUD
//!                   --seconds S
//!
//! --token is one token; --tokens is a set, one token per line (bench/make_distinct.py),
//! walked round-robin. Every token must validate, and a tampered signature, a wrong audience
//! and a wrong issuer must be rejected, before anything is timed. As the crate's README
//! recommends, the `DecodingKey` and the `Validation` are built once and reused.
//!
//! Prints one JSON line: {"peer":..,"version":..,"alg":..,"ops_per_sec":..,"ok":true}
//! or {"peer":..,"version":..,"alg":..,"ok":false,"error":".."}.

use std::process::exit;
use std::time::{Duration, Instant};

use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

const PEER: &str = "rust-jsonwebtoken";

fn version() -> String {
    format!("{} (aws-lc-rs)", env!("JSONWEBTOKEN_VERSION"))
}

/// What a resource server reads after validation; other claims are skipped by serde.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Claims {
    sub: Option<String>,
    scope: Option<String>,
}

struct Args {
    alg: String,
    token: String,
    tokens: String,
    key: String,
    iss: String,
    aud: String,
    seconds: f64,
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
}

/// The CPU time the process has used so far (CLOCK_PROCESS_CPUTIME_ID), in seconds: on a
/// machine shared with other work it counts work, not waiting.
fn cpu_seconds() -> f64 {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
    if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) } != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn fail(alg: &str, msg: &str, code: i32) -> ! {
    println!(
        "{{\"peer\": {}, \"version\": {}, \"alg\": {}, \"ok\": false, \"error\": {}}}",
        json_str(PEER),
        json_str(&version()),
        json_str(alg),
        json_str(msg)
    );
    exit(code);
}

fn parse_args() -> Args {
    let mut a = Args {
        alg: String::new(),
        token: String::new(),
        tokens: String::new(),
        key: String::new(),
        iss: String::new(),
        aud: String::new(),
        seconds: 1.0,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let flag = argv[i].as_str();
        let val = argv.get(i + 1).cloned().unwrap_or_else(|| {
            eprintln!("{PEER}: {flag} needs a value");
            exit(64);
        });
        match flag {
            "--alg" => a.alg = val,
            "--token" => a.token = val,
            "--tokens" => a.tokens = val,
            "--key" => a.key = val,
            "--iss" => a.iss = val,
            "--aud" => a.aud = val,
            "--seconds" => a.seconds = val.parse().unwrap_or(1.0),
            _ => {
                eprintln!("{PEER}: unknown flag {flag}");
                exit(64);
            }
        }
        i += 2;
    }
    if a.alg.is_empty() || a.token.is_empty() == a.tokens.is_empty() || a.key.is_empty() {
        eprintln!(
            "usage: {PEER} --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS \
             --aud AUD --seconds S"
        );
        exit(64);
    }
    a
}

/// Changes the first character of the signature segment: a token that must not verify.
fn tamper(token: &str) -> String {
    let dot = token.rfind('.').unwrap_or(0);
    let mut bytes = token.as_bytes().to_vec();
    if dot + 1 < bytes.len() {
        bytes[dot + 1] = if bytes[dot + 1] == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8(bytes).unwrap()
}

fn validation(alg: Algorithm, iss: &str, aud: &str) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[iss]);
    v.set_audience(&[aud]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.validate_exp = true;
    v
}

fn main() {
    let a = parse_args();
    let alg = match a.alg.as_str() {
        "RS256" => Algorithm::RS256,
        "PS256" => Algorithm::PS256,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" => Algorithm::EdDSA,
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        _ => fail(&a.alg, "unsupported", 2),
    };
    let path = if a.tokens.is_empty() { &a.token } else { &a.tokens };
    let tokens: Vec<String> = match std::fs::read_to_string(path) {
        Ok(t) => t.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
        Err(e) => fail(&a.alg, &format!("reading {path}: {e}"), 1),
    };
    if tokens.is_empty() {
        fail(&a.alg, &format!("{path}: no token"), 1);
    }
    let key_bytes = match std::fs::read(&a.key) {
        Ok(k) => k,
        Err(e) => fail(&a.alg, &format!("reading {}: {e}", a.key), 1),
    };
    // Parsing the key once is what a resource server does at start-up.
    let key = match alg {
        Algorithm::RS256 | Algorithm::PS256 => DecodingKey::from_rsa_pem(&key_bytes),
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(&key_bytes),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(&key_bytes),
        _ => DecodingKey::from_secret(&key_bytes),
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => fail(&a.alg, &format!("key: {e}"), 1),
    };
    let v = validation(alg, &a.iss, &a.aud);

    let check = |t: &str, v: &Validation| decode::<Claims>(t, &key, v).map(|d| d.claims);
    for (i, t) in tokens.iter().enumerate() {
        if let Err(e) = check(t, &v) {
            fail(&a.alg, &format!("token {} does not validate: {e}", i + 1), 1);
        }
    }
    let token = &tokens[0];
    if check(&tamper(token), &v).is_ok() {
        fail(&a.alg, "tampered token accepted", 1);
    }
    if check(token, &validation(alg, &a.iss, "not-the-audience")).is_ok() {
        fail(&a.alg, "wrong audience accepted", 1);
    }
    if check(
        token,
        &validation(alg, "https://not-the-issuer.example", &a.aud),
    )
    .is_ok()
    {
        fail(&a.alg, "wrong issuer accepted", 1);
    }

    const BATCH: u64 = 16;
    let mut next = 0usize;
    let mut run = |limit: Duration| -> (u64, Duration) {
        let start = Instant::now();
        let mut n: u64 = 0;
        loop {
            for _ in 0..BATCH {
                let t = &tokens[next];
                next = if next + 1 == tokens.len() { 0 } else { next + 1 };
                match check(std::hint::black_box(t), &v) {
                    Ok(c) => {
                        std::hint::black_box(c);
                    }
                    Err(e) => fail(&a.alg, &format!("validation failed in the loop: {e}"), 1),
                }
            }
            n += BATCH;
            let el = start.elapsed();
            if el >= limit {
                return (n, el);
            }
        }
    };
    let warm = Duration::from_secs_f64((a.seconds * 0.1).clamp(0.05, 0.25));
    run(warm);
    let cpu0 = cpu_seconds();
    let (n, el) = run(Duration::from_secs_f64(a.seconds.max(0.01)));
    let cpu_ops = n as f64 / (cpu_seconds() - cpu0);
    let ops = n as f64 / el.as_secs_f64();
    println!(
        "{{\"peer\": {}, \"version\": {}, \"alg\": {}, \"tokens\": {}, \"ops_per_sec\": {:.1}, \"ops_per_cpu_sec\": {:.1}, \"ok\": true}}",
        json_str(PEER),
        json_str(&version()),
        json_str(&a.alg),
        tokens.len(),
        ops,
        cpu_ops
    );
}
