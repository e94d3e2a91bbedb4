/* Peer harness: validates tokens with libjwt (Debian's libjwt-dev) in a timed loop.
 *
 *   libjwt --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS --aud AUD --seconds S
 *
 * --token is one token; --tokens is a set, one token per line (bench/make_distinct.py), walked
 * round-robin.  Every token must validate, and a tampered signature, a wrong audience and a
 * wrong issuer must be rejected, before anything is timed.
 *
 * Prints one JSON line: {"peer":..,"version":..,"alg":..,"ops_per_sec":..,"ok":true}
 * or {"peer":..,"version":..,"alg":..,"ok":false,"error":".."}.
 *
 * libjwt 1.10 verifies the signature in jwt_decode() but has no claim validation (jwt_valid
 * arrived in 1.12), so exp, iss and aud are checked here with its grant getters, on every
 * iteration, as a resource server using this version has to.  jwt_decode() takes the PEM key
 * itself and parses it on every call: that is the only way its API offers.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jwt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef LIBJWT_VERSION
#define LIBJWT_VERSION "unknown"
#endif

static const char* g_alg = "";

static void json_str(FILE* f, const char* s) {
  fputc('"', f);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
    } else if (c == '\n') {
      fputs("\\n", f);
    } else if (c < 0x20) {
      fprintf(f, "\\u%04x", c);
    } else {
      fputc(c, f);
    }
  }
  fputc('"', f);
}

static void fail(int code, const char* fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("{\"peer\": \"libjwt\", \"version\": ");
  json_str(stdout, LIBJWT_VERSION);
  printf(", \"alg\": ");
  json_str(stdout, g_alg);
  printf(", \"ok\": false, \"error\": ");
  json_str(stdout, msg);
  printf("}\n");
  exit(code);
}

static char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fail(1, "reading %s: %s", path, strerror(errno));
  }
  size_t cap = 4096, n = 0;
  char* buf = malloc(cap + 1);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      buf = realloc(buf, (cap *= 2) + 1);
    }
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Is want one of the strings of the JSON array text arr (as jwt_get_grants_json gives it)? */
static int json_array_has(const char* arr, const char* want) {
  size_t wl = strlen(want);
  for (const char* p = arr; (p = strchr(p, '"')) != NULL;) {
    const char* end = strchr(p + 1, '"');
    if (!end) {
      return 0;
    }
    if ((size_t)(end - p - 1) == wl && memcmp(p + 1, want, wl) == 0) {
      return 1;
    }
    p = end + 1;
  }
  return 0;
}

struct expect {
  jwt_alg_t alg;
  const unsigned char* key;
  int key_len;
  const char* iss;
  const char* aud;
};

/* Full validation: signature (in jwt_decode), alg, exp, iss, aud.  0 or a reason. */
static const char* validate(const struct expect* e, const char* token) {
  jwt_t* j = NULL;
  const char* why = NULL;
  int rc = jwt_decode(&j, token, e->key, e->key_len);
  if (rc != 0 || !j) {
    return "jwt_decode: bad token or signature";
  }
  if (jwt_get_alg(j) != e->alg) {
    why = "alg mismatch";
    goto out;
  }
  errno = 0;
  long exp = jwt_get_grant_int(j, "exp");
  if (errno != 0) {
    why = "exp missing";
    goto out;
  }
  if ((long)time(NULL) >= exp) {
    why = "expired";
    goto out;
  }
  const char* iss = jwt_get_grant(j, "iss");
  if (!iss || strcmp(iss, e->iss) != 0) {
    why = "iss mismatch";
    goto out;
  }
  const char* aud = jwt_get_grant(j, "aud");
  if (aud) {
    if (strcmp(aud, e->aud) != 0) {
      why = "aud mismatch";
    }
  } else {
    char* arr = jwt_get_grants_json(j, "aud");
    if (!arr || !json_array_has(arr, e->aud)) {
      why = "aud mismatch";
    }
    free(arr);
  }
out:
  jwt_free(j);
  return why;
}

/* The CPU time the process has used so far: on a machine shared with other work it counts
 * work, not waiting. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Splits text (modified in place) into its non-empty lines; returns how many. */
static size_t split_lines(char* text, char*** out) {
  size_t n = 0, cap = 16;
  char** lines = malloc(cap * sizeof *lines);
  for (char* line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n")) {
    if (n == cap) {
      lines = realloc(lines, (cap *= 2) * sizeof *lines);
    }
    lines[n++] = line;
  }
  *out = lines;
  return n;
}

static void run(const struct expect* e, char** tokens, size_t num_tokens, size_t* next,
                double limit, long* n_out, double* el_out) {
  const int batch = 16;
  double start = now_s(), el;
  long n = 0;
  for (;;) {
    for (int i = 0; i < batch; ++i) {
      const char* why = validate(e, tokens[*next]);
      *next = *next + 1 == num_tokens ? 0 : *next + 1;
      if (why) {
        fail(1, "validation failed in the loop: %s", why);
      }
    }
    n += batch;
    if ((el = now_s() - start) >= limit) {
      break;
    }
  }
  *n_out = n;
  *el_out = el;
}

int main(int argc, char** argv) {
  const char *token_path = NULL, *tokens_path = NULL, *key_path = NULL, *iss = "", *aud = "";
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *f = argv[i], *v = argv[i + 1];
    if (!strcmp(f, "--alg")) {
      g_alg = v;
    } else if (!strcmp(f, "--token")) {
      token_path = v;
    } else if (!strcmp(f, "--tokens")) {
      tokens_path = v;
    } else if (!strcmp(f, "--key")) {
      key_path = v;
    } else if (!strcmp(f, "--iss")) {
      iss = v;
    } else if (!strcmp(f, "--aud")) {
      aud = v;
    } else if (!strcmp(f, "--seconds")) {
      seconds = atof(v);
    } else {
      fprintf(stderr, "libjwt: unknown flag %s\n", f);
      return 64;
    }
  }
  if (!*g_alg || !token_path == !tokens_path || !key_path) {
    fprintf(stderr,
            "usage: libjwt --alg ALG (--token FILE | --tokens FILE) --key FILE --iss ISS "
            "--aud AUD --seconds S\n");
    return 64;
  }
  /* jwt_str_alg knows only what this libjwt supports (1.10: HS*, RS*, ES*; no PS*, EdDSA). */
  jwt_alg_t alg = jwt_str_alg(g_alg);
  if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE) {
    fail(2, "unsupported");
  }

  size_t tlen, klen;
  const char* path = token_path ? token_path : tokens_path;
  char* text = read_file(path, &tlen);
  char** tokens;
  size_t num_tokens = split_lines(text, &tokens);
  if (num_tokens == 0) {
    fail(1, "%s: no token", path);
  }
  const char* token = tokens[0];
  char* key = read_file(key_path, &klen);
  struct expect e = {alg, (const unsigned char*)key, (int)klen, iss, aud};

  for (size_t i = 0; i < num_tokens; ++i) {
    const char* why = validate(&e, tokens[i]);
    if (why) {
      fail(1, "token %zu does not validate: %s", i + 1, why);
    }
  }

  char* bad = strdup(token);
  char* dot = strrchr(bad, '.');
  if (dot && dot[1]) {
    dot[1] = dot[1] == 'A' ? 'B' : 'A';
  }
  if (!validate(&e, bad)) {
    fail(1, "tampered token accepted");
  }
  free(bad);
  struct expect wrong = e;
  wrong.aud = "not-the-audience";
  if (!validate(&wrong, token)) {
    fail(1, "wrong audience accepted");
  }
  wrong = e;
  wrong.iss = "https://not-the-issuer.example";
  if (!validate(&wrong, token)) {
    fail(1, "wrong issuer accepted");
  }

  long n;
  double el, warm = seconds * 0.1;
  if (warm < 0.05) {
    warm = 0.05;
  }
  if (warm > 0.25) {
    warm = 0.25;
  }
  size_t next = 0;
  run(&e, tokens, num_tokens, &next, warm, &n, &el);
  const double cpu0 = cpu_s();
  run(&e, tokens, num_tokens, &next, seconds > 0.01 ? seconds : 0.01, &n, &el);
  const double cpu = cpu_s() - cpu0;
  printf("{\"peer\": \"libjwt\", \"version\": ");
  json_str(stdout, LIBJWT_VERSION);
  printf(", \"alg\": ");
  json_str(stdout, g_alg);
  printf(", \"tokens\": %zu, \"ops_per_sec\": %.1f, \"ops_per_cpu_sec\": %.1f, \"ok\": true}\n",
         num_tokens, (double)n / el, (double)n / cpu);
  free(tokens);
  free(text);
  free(key);
  return 0;
}
