/* Logging shim for the policy-router dynamic oracle.
 *
 * Every command name the oracle knows is a symlink to this one static binary inside the
 * bubblewrap namespace (PATH, /usr/bin, /bin, /usr/sbin ... all point at the shim dir).
 * On each exec it appends one record to LOG_PATH: the fields argv[0], argv[1], ...
 * separated by 0x1f and terminated by 0x1e, written with one write(2) on an O_APPEND fd.
 * Then:
 *   - shells (bash, sh, dash, zsh, ksh, rbash) exec the real bash at REAL_BASH, so nested
 *     shell text really runs and is checked too;
 *   - wrappers (env, nohup, timeout, nice, sudo, doas, xargs, stdbuf, setsid, ionice,
 *     flock, time, chrt, taskset, script -c, su -c, watch, find -exec ...) exec their inner
 *     command the way the real tool would (options skipped by a small table), so that
 *     wrapper unwrapping is checked too;
 *   - echo and printf print (naively) so data piped into a shell or used in $( ) exists;
 *   - everything else exits 0.
 * A shim invoked as "__notfound__" is bash's command_not_found_handle: it logs its
 * arguments with the tag "?" as first field (the name bash tried but could not find).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LOG_PATH
#define LOG_PATH "/.oracle/log/calls"
#endif
#ifndef REAL_BASH
#define REAL_BASH "/.oracle/bash"
#endif
#define LOG_CAP (256 * 1024)

static const char *base(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void log_argv(const char *tag, int argc, char **argv) {
    int fd = open(LOG_PATH, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > LOG_CAP) { close(fd); return; }
    size_t n = strlen(tag) + 2;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *buf = malloc(n + 1);
    if (!buf) { close(fd); return; }
    size_t k = 0;
    if (*tag) { memcpy(buf, tag, strlen(tag)); k += strlen(tag); buf[k++] = 0x1f; }
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]);
        memcpy(buf + k, argv[i], l); k += l;
        if (i + 1 < argc) buf[k++] = 0x1f;
    }
    buf[k++] = 0x1e;
    ssize_t w = write(fd, buf, k);
    (void)w;
    free(buf);
    close(fd);
}

static int in(const char *s, const char *const *set) {
    for (; *set; set++) if (strcmp(s, *set) == 0) return 1;
    return 0;
}

/* Skip options of a wrapper. `with_arg` lists short/long options that take a separate
 * value. Returns the index of the first operand. */
static int skip_opts(int argc, char **argv, int i, const char *const *with_arg) {
    while (i < argc) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) return i + 1;
        if (a[0] != '-' || a[1] == 0) return i;
        if (in(a, with_arg)) i += 2; else i += 1;
    }
    return i;
}

static void exec_bash_c(const char *text) {
    char *nargv[] = {"bash", "-c", (char *)text, NULL};
    execv(REAL_BASH, nargv);
    _exit(127);
}

static void exec_inner(int argc, char **argv, int i) {
    if (i >= argc) _exit(0);
    execvp(argv[i], argv + i);
    _exit(127);
}

static char *join(int argc, char **argv, int i) {
    size_t n = 1;
    for (int j = i; j < argc; j++) n += strlen(argv[j]) + 1;
    char *s = calloc(n, 1);
    for (int j = i; j < argc; j++) { strcat(s, argv[j]); if (j + 1 < argc) strcat(s, " "); }
    return s;
}

/* find ... -exec CMD ARGS ; / + : run every exec clause once with {} replaced by "f". */
static int run_find(int argc, char **argv) {
    static const char *const execs[] = {"-exec", "-execdir", "-ok", "-okdir", NULL};
    for (int i = 1; i < argc; i++) {
        if (!in(argv[i], execs)) continue;
        int j = i + 1, start = j;
        while (j < argc && strcmp(argv[j], ";") != 0 && strcmp(argv[j], "+") != 0) j++;
        if (j > start) {
            char **nargv = calloc(j - start + 1, sizeof(char *));
            for (int k = start; k < j; k++) nargv[k - start] = strcmp(argv[k], "{}") ? argv[k] : "f";
            pid_t pid = fork();
            if (pid == 0) { execvp(nargv[0], nargv); _exit(127); }
            if (pid > 0) waitpid(pid, NULL, 0);
            free(nargv);
        }
        i = j;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *name = base(argv[0]);
    if (strcmp(name, "__notfound__") == 0) {
        log_argv("?", argc - 1, argv + 1);
        return 127;
    }
    log_argv("", argc, argv);

    static const char *const shells[] = {"bash", "sh", "dash", "zsh", "ksh", "rbash", "mksh", NULL};
    if (in(name, shells)) {
        argv[0] = "bash";
        execv(REAL_BASH, argv);
        return 127;
    }
    if (strcmp(name, "nohup") == 0 || strcmp(name, "setsid") == 0 ||
        strcmp(name, "chronic") == 0 || strcmp(name, "unbuffer") == 0) {
        static const char *const a[] = {NULL};
        exec_inner(argc, argv, skip_opts(argc, argv, 1, a));
    }
    if (strcmp(name, "env") == 0) {
        static const char *const a[] = {"-u", "--unset", "-C", "--chdir", NULL};
        int i = 1;
        while (i < argc) {
            const char *s = argv[i];
            if (strcmp(s, "--") == 0) { i++; break; }
            if (strcmp(s, "-S") == 0 || strcmp(s, "--split-string") == 0 || strncmp(s, "-S", 2) == 0 ||
                strncmp(s, "--split-string=", 15) == 0) {
                const char *t = strcmp(s, "-S") == 0 || strcmp(s, "--split-string") == 0 ? (i + 1 < argc ? argv[i + 1] : "")
                                : (s[1] == 'S' ? s + 2 : s + 15);
                int rest = (strcmp(s, "-S") == 0 || strcmp(s, "--split-string") == 0) ? i + 2 : i + 1;
                char *txt = strdup(t);
                char *words[256]; int nw = 0;
                for (char *tok = strtok(txt, " \t"); tok && nw < 200; tok = strtok(NULL, " \t")) words[nw++] = tok;
                for (int k = rest; k < argc && nw < 255; k++) words[nw++] = argv[k];
                words[nw] = NULL;
                /* skip VAR=value in the split text */
                int w0 = 0;
                while (w0 < nw && strchr(words[w0], '=') && words[w0][0] != '=') w0++;
                if (w0 >= nw) _exit(0);
                execvp(words[w0], words + w0);
                _exit(127);
            }
            if (s[0] == '-' && s[1]) { i += in(s, a) ? 2 : 1; continue; }
            if (strchr(s, '=') && s[0] != '=') { i++; continue; }
            break;
        }
        exec_inner(argc, argv, i);
    }
    if (strcmp(name, "timeout") == 0) {
        static const char *const a[] = {"-s", "--signal", "-k", "--kill-after", NULL};
        int i = skip_opts(argc, argv, 1, a);
        exec_inner(argc, argv, i + 1); /* skip DURATION */
    }
    if (strcmp(name, "nice") == 0) {
        static const char *const a[] = {"-n", "--adjustment", NULL};
        exec_inner(argc, argv, skip_opts(argc, argv, 1, a));
    }
    if (strcmp(name, "ionice") == 0) {
        static const char *const a[] = {"-c", "--class", "-n", "--classdata", NULL};
        exec_inner(argc, argv, skip_opts(argc, argv, 1, a));
    }
    if (strcmp(name, "stdbuf") == 0) {
        static const char *const a[] = {"-i", "-o", "-e", NULL};
        exec_inner(argc, argv, skip_opts(argc, argv, 1, a));
    }
    if (strcmp(name, "time") == 0) {
        static const char *const a[] = {"-f", "--format", "-o", "--output", NULL};
        exec_inner(argc, argv, skip_opts(argc, argv, 1, a));
    }
    if (strcmp(name, "taskset") == 0) {
        static const char *const a[] = {NULL};
        int i = skip_opts(argc, argv, 1, a);
        exec_inner(argc, argv, i + 1); /* skip MASK */
    }
    if (strcmp(name, "chrt") == 0) {
        static const char *const a[] = {NULL};
        int i = skip_opts(argc, argv, 1, a);
        exec_inner(argc, argv, i + 1); /* skip PRIORITY */
    }
    if (strcmp(name, "sudo") == 0 || strcmp(name, "doas") == 0) {
        static const char *const a[] = {"-u", "--user", "-g", "--group", "-C", "--close-from", "-D", "--chdir",
                                        "-h", "--host", "-p", "--prompt", "-r", "--role", "-t", "--type",
                                        "-T", "--command-timeout", "-U", "--other-user", NULL};
        int i = skip_opts(argc, argv, 1, a);
        while (i < argc && strchr(argv[i], '=') && argv[i][0] != '=') i++;
        exec_inner(argc, argv, i);
    }
    if (strcmp(name, "xargs") == 0) {
        static const char *const a[] = {"-I", "-L", "-n", "-P", "-s", "-d", "-a", "-E", "--max-args",
                                        "--max-procs", "--max-lines", "--delimiter", "--arg-file", NULL};
        int i = skip_opts(argc, argv, 1, a);
        if (i >= argc) _exit(0); /* xargs alone runs echo: a builtin-free no-op here */
        exec_inner(argc, argv, i);
    }
    if (strcmp(name, "flock") == 0) {
        static const char *const a[] = {"-w", "--timeout", "-E", "--conflict-exit-code", NULL};
        int i = 1;
        for (int j = 1; j + 1 < argc; j++)
            if (strcmp(argv[j], "-c") == 0 || strcmp(argv[j], "--command") == 0) exec_bash_c(argv[j + 1]);
        i = skip_opts(argc, argv, i, a);
        exec_inner(argc, argv, i + 1); /* skip the lock file */
    }
    if (strcmp(name, "script") == 0 || strcmp(name, "su") == 0 || strcmp(name, "runuser") == 0) {
        for (int j = 1; j + 1 < argc; j++)
            if (strcmp(argv[j], "-c") == 0 || strcmp(argv[j], "--command") == 0) exec_bash_c(argv[j + 1]);
        return 0;
    }
    if (strcmp(name, "watch") == 0) {
        static const char *const a[] = {"-n", "--interval", "-d", NULL};
        int i = skip_opts(argc, argv, 1, a);
        if (i < argc) exec_bash_c(join(argc, argv, i));
        return 0;
    }
    if (strcmp(name, "find") == 0) return run_find(argc, argv);
    /* echo / printf really print (naively), so `echo 'cmd' | sh` and $(printf rm) behave. */
    if (strcmp(name, "echo") == 0) {
        int i = 1, nl = 1;
        while (i < argc && argv[i][0] == '-' && strspn(argv[i] + 1, "neE") == strlen(argv[i] + 1) && argv[i][1]) {
            if (strchr(argv[i], 'n')) nl = 0;
            i++;
        }
        for (int j = i; j < argc; j++) { fputs(argv[j], stdout); if (j + 1 < argc) fputc(' ', stdout); }
        if (nl) fputc('\n', stdout);
        return 0;
    }
    if (strcmp(name, "printf") == 0 && argc > 1) {
        for (const char *p = argv[1]; *p; p++) {
            if (p[0] == '\\' && p[1] == 'n') { fputc('\n', stdout); p++; }
            else if (p[0] == '%' && p[1] == 's') { fputs(argc > 2 ? argv[2] : "", stdout); p++; }
            else fputc(*p, stdout);
        }
        return 0;
    }
    return 0;
}
