#!/usr/bin/env bash
# labels: lint
# timeout: 120
# Every external command the test scripts call is installed by scripts/setup.sh (or is part of a minimal Debian
# 12, or is built or installed by the project itself). Scans tests/integration/*.sh and *.inc,
# tests/support/*.sh, tests/apps/*.sh and scripts/test.sh for commands (in command position, in $(…), after
# env/timeout/xargs/…, in `bash -c '…'`, and as the command argument of the scripts' own runner functions such
# as `check NAME CMD…`; a program called by its path, `/usr/bin/time`, under that path), maps each through the
# table below and compares with `scripts/setup.sh --list`.
#
# Fails when
#   - a command's package is not in setup.sh's list (add it to setup.sh), or
#   - a command that is a program on this machine is used but not in the table (add it to the table).
#
# The table: COMMAND WHERE-IT-COMES-FROM, where the source is
#   deb:PKG        a Debian package scripts/setup.sh must install
#   minbase:PKG    in every debootstrap --variant=minbase bookworm (Essential packages), nothing to install
#   node           Node.js >= 20 (setup.sh installs it when the node on PATH is older)
#   npm:PKG        a pinned tool of scripts/tools (setup.sh installs it and links it onto PATH)
#   project        built by this project (build/…)
#   test-installed installed by the tests themselves (scripts/npm-cache.sh, ../shared/contract/prism.sh)
set -euo pipefail
root=${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

table='
bash            minbase:bash
sh              minbase:dash
cat             minbase:coreutils
chmod           minbase:coreutils
cp              minbase:coreutils
cut             minbase:coreutils
date            minbase:coreutils
dirname         minbase:coreutils
basename        minbase:coreutils
du              minbase:coreutils
env             minbase:coreutils
head            minbase:coreutils
id              minbase:coreutils
ln              minbase:coreutils
ls              minbase:coreutils
mkdir           minbase:coreutils
mkfifo          minbase:coreutils
mktemp          minbase:coreutils
mv              minbase:coreutils
nproc           minbase:coreutils
od              minbase:coreutils
base64          minbase:coreutils
readlink        minbase:coreutils
realpath        minbase:coreutils
rm              minbase:coreutils
rmdir           minbase:coreutils
seq             minbase:coreutils
sha256sum       minbase:coreutils
sleep           minbase:coreutils
sort            minbase:coreutils
stat            minbase:coreutils
tail            minbase:coreutils
tee             minbase:coreutils
timeout         minbase:coreutils
touch           minbase:coreutils
tr              minbase:coreutils
truncate        minbase:coreutils
uniq            minbase:coreutils
wc              minbase:coreutils
whoami          minbase:coreutils
yes             minbase:coreutils
true            minbase:coreutils
false           minbase:coreutils
stdbuf          minbase:coreutils
nohup           minbase:coreutils
dd              minbase:coreutils
comm            minbase:coreutils
paste           minbase:coreutils
expr            minbase:coreutils
printenv        minbase:coreutils
grep            minbase:grep
ldd             minbase:libc-bin
/usr/bin/time   deb:time
sed             minbase:sed
awk             minbase:mawk
find            minbase:findutils
xargs           minbase:findutils
diff            minbase:diffutils
cmp             minbase:diffutils
tar             minbase:tar
gzip            minbase:gzip
setsid          minbase:util-linux
flock           minbase:util-linux
script          minbase:bsdutils
umount          minbase:mount
mount           minbase:mount
hostname        minbase:hostname
docker          deb:docker.io
dockerd         deb:docker.io
docker-registry deb:docker-registry
htpasswd        deb:apache2-utils
curl            deb:curl
python3         deb:python3
sqlite3         deb:sqlite3
git             deb:git
jq              deb:jq
file            deb:file
clang-format    deb:clang-format
clang           deb:clang
clang++         deb:clang
wrk             deb:wrk
nginx           deb:nginx-light
zsh             deb:zsh
fish            deb:fish
man             deb:man-db
groff           deb:groff-base
cmake           deb:cmake
ctest           deb:cmake
make            deb:make
g++             deb:g++
ccache          deb:ccache
pkg-config      deb:pkg-config
node            node
npm             deb:npm
npx             deb:npm
esbuild         npm:esbuild
workerd         npm:workerd
tenantctl       project
tenant-echo     project
tenantctl-router-driver project
prism           test-installed
wrangler        test-installed
'

files=(tests/integration/*.sh tests/integration/*.inc tests/support/*.sh tests/apps/*.sh scripts/test.sh)
listed=$(bash scripts/setup.sh --list)
shell_words=$(compgen -b; compgen -k)

python3 - "$table" "$listed" "$shell_words" "${files[@]}" <<'PY'
import re, shlex, shutil, sys

table_text, listed_text, shell_words_text, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
table = dict(line.split() for line in table_text.splitlines() if line.strip())
listed = set(listed_text.split())
shell_words = set(shell_words_text.split()) | {"[[", "]]", "{", "}", "!", "in", "function", "select"}

# Commands that run their arguments: name -> how many non-option arguments come before the command.
WRAPPERS = {"env": 0, "exec": 0, "command": 0, "nohup": 0, "setsid": 0, "time": 0, "xargs": 0, "sudo": 0,
            "nice": 0, "stdbuf": 0, "timeout": 1, "flock": 1, "!": 0}
# Their options that take the next word as a value (`timeout -k 2 30 CMD`).
WRAPPER_VALUE_OPTS = {"timeout": {"-k", "-s", "--kill-after", "--signal"}, "nice": {"-n"}, "flock": {"-w", "-E"},
                      "stdbuf": {"-i", "-o", "-e"}, "xargs": {"-n", "-P", "-I", "-d", "-L", "-s", "-E"}}
KEEP_CMDPOS = {"then", "do", "else", "elif", "if", "while", "until", "{", "!", "time"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.+-]*$")
SYSPATH = re.compile(r"^/(usr/)?s?bin/[A-Za-z0-9_.+-]+$")  # a program called by its path: the path is the name
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
PUNCT = "();<>|&\x01"
LINE_CHARS = re.compile("[\n\x01\x02]")


class Prep:
    """Shell text -> text for shlex: heredoc bodies and comments removed, unquoted newlines become \x01 (a
    separator), line continuations \x02 (whitespace), every $( … ) a placeholder word; the contents of the
    substitutions (prepared the same way) are collected with the line they start on. Lines are kept."""

    def __init__(self, text):
        lines, out, i = text.split("\n"), [], 0
        while i < len(lines):
            out.append(lines[i]); i += 1
            for m in re.finditer(r"(?<!<)<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2", out[-1]):
                while i < len(lines) and lines[i].strip() != m.group(3):
                    out.append(""); i += 1
                if i < len(lines):
                    out.append(""); i += 1
        self.t, self.k, self.subs = "\n".join(out), 0, []
        self.text = self.code(False)

    def line(self):
        return self.t.count("\n", 0, self.k)

    def subst(self, out):
        line = self.line()
        self.k += 2
        inner = self.code(True)
        self.subs.append((inner, line))
        out.append(" SUBST_" + "\x02" * len(LINE_CHARS.findall(inner)) + " ")

    def code(self, in_subst):
        t, out, depth = self.t, [], 0
        while self.k < len(t):
            c = t[self.k]
            if c == "\\":
                out.append(" \x02" if t.startswith("\\\n", self.k) else t[self.k:self.k + 2])
                self.k += 2
            elif c == "'":
                j = t.find("'", self.k + 1)
                j = len(t) if j < 0 else j
                out.append(t[self.k:j + 1])
                self.k = j + 1
            elif c == '"':
                self.k += 1
                out.append('"' + self.dquoted() + '"')
            elif t.startswith("$((", self.k):
                out.append("$((")
                depth += 2
                self.k += 3
            elif t.startswith("$(", self.k):
                self.subst(out)
            elif c == "#" and (self.k == 0 or t[self.k - 1] in " \t\n;|&("):
                j = t.find("\n", self.k)
                self.k = len(t) if j < 0 else j
            else:
                if c == "(":
                    depth += 1
                elif c == ")":
                    if in_subst and depth == 0:
                        self.k += 1
                        return "".join(out)
                    depth -= 1
                elif c == "\n":
                    c = "\x01"
                out.append(c)
                self.k += 1
        return "".join(out)

    def dquoted(self):
        t, out = self.t, []
        while self.k < len(t):
            c = t[self.k]
            if c == "\\":
                out.append(" \x02" if t.startswith("\\\n", self.k) else t[self.k:self.k + 2])
                self.k += 2
            elif c == '"':
                self.k += 1
                break
            elif t.startswith("$(", self.k) and not t.startswith("$((", self.k):
                self.subst(out)
            else:
                out.append(c)
                self.k += 1
        return "".join(out)


def tokens(text):
    lex = shlex.shlex(text, posix=True, punctuation_chars=PUNCT)
    lex.whitespace += "\x02"
    lex.whitespace_split = True
    lex.commenters = ""
    out = []
    while True:
        try:
            t = lex.get_token()
        except ValueError:  # unbalanced quotes: what was read so far
            break
        if t is None or t == lex.eof:
            break
        end = lex.instream.tell() - len(lex._pushback_chars)
        out.append((t, len(LINE_CHARS.findall(text, 0, max(0, end - len(t) - 1)))))
    return out


def is_punct(t):
    return t != "" and all(c in PUNCT for c in t)


class Scan:
    def __init__(self):
        self.functions = set()
        self.runners = {}  # function name -> shifts before it runs "$@" (those of .inc files: for every file)
        self.uses = []     # (command, file, line)

    def analyse(self, raw, fname, line0=0, collect=True, runners=None):
        prep = Prep(raw)
        self.tokens(prep.text, fname, line0, collect, runners)
        for sub, line in prep.subs:
            self.tokens(sub, fname, line0 + line, collect, runners)

    def tokens(self, text, fname, line0, collect, runners):
        toks = tokens(text)
        cmdpos, skip_next, wrapper, wrap_skip, after_kw = True, False, None, 0, None
        func_stack, depth, pending_func = [], 0, None  # func_stack: [name, brace depth, shifts]
        for idx, (t, ln) in enumerate(toks):
            nxt = toks[idx + 1][0] if idx + 1 < len(toks) else ""
            if is_punct(t):
                if all(c in "<>&" for c in t) and any(c in "<>" for c in t):
                    skip_next = True  # a redirection: its target follows
                    continue
                if t == "()" or (t == "(" and nxt == ")"):
                    continue
                if any(c in ";|&(\x01" for c in t) or t.startswith(")"):
                    cmdpos, wrapper = True, None
                continue
            if skip_next:
                skip_next = False
                continue
            if after_kw:  # the word after for/case/select/function
                if after_kw == "function":
                    self.functions.add(t)
                    pending_func = t
                after_kw = None
                continue
            if t == "{":
                depth += 1
                if pending_func:
                    func_stack.append([pending_func, depth, 0])
                    pending_func = None
                cmdpos = True
                continue
            if t == "}":
                if func_stack and func_stack[-1][1] == depth:
                    func_stack.pop()
                depth -= 1
                continue
            if wrapper is not None:
                if t.startswith("-") or ASSIGN.match(t):
                    skip_next = t in WRAPPER_VALUE_OPTS.get(wrapper, ())
                    continue
                if wrap_skip > 0:
                    wrap_skip -= 1
                    continue
                wrapper, cmdpos = None, True
            if not cmdpos:
                continue
            if t in ("for", "case", "select", "function"):
                after_kw, cmdpos = t, False
                continue
            if t in KEEP_CMDPOS or ASSIGN.match(t):
                continue
            cmdpos = False
            if nxt == "()" or (nxt == "(" and idx + 2 < len(toks) and toks[idx + 2][0] == ")"):
                self.functions.add(t)
                pending_func = t
                continue
            if nxt.startswith(")"):  # a case pattern
                continue
            if t == "shift" and func_stack:
                func_stack[-1][2] += 1
            if t in ("$@", "${@}") and func_stack:
                runners.setdefault(func_stack[-1][0], func_stack[-1][2])
            if t in ("bash", "sh") and nxt == "-c" and idx + 2 < len(toks):
                self.analyse(toks[idx + 2][0], fname, line0 + ln, collect, runners)
            if t in WRAPPERS:
                wrapper, wrap_skip = t, WRAPPERS[t]
            elif t in runners:
                wrapper, wrap_skip = t, runners[t]
            if collect and (NAME.match(t) or SYSPATH.match(t)):
                self.uses.append((t, fname, line0 + ln + 1))


scan = Scan()
texts = {f: open(f, encoding="utf-8", errors="replace").read() for f in files}
# pass 1: function names everywhere, runner functions per file (those of .inc files count for every file)
local_runners = {}
for f, text in texts.items():
    local_runners[f] = {}
    scan.analyse(text, f, collect=False, runners=scan.runners if f.endswith(".inc") else local_runners[f])
for f, text in texts.items():
    scan.analyse(text, f, runners={**scan.runners, **local_runners[f]})

problems, seen = [], {}
for cmd, f, ln in scan.uses:
    if cmd not in shell_words and cmd not in scan.functions:
        seen.setdefault(cmd, f"{f}:{ln}")
for cmd, where in sorted(seen.items()):
    src = table.get(cmd)
    if src is None:
        if shutil.which(cmd):
            problems.append(f"{cmd} ({where}) is a program the tests call that the table in "
                            "tests/integration/setup_deps.sh does not name: add it with where it comes from")
        continue
    kind, _, pkg = src.partition(":")
    if kind == "deb" and f"deb:{pkg}" not in listed:
        problems.append(f"{cmd} ({where}) comes from Debian package {pkg}, which scripts/setup.sh does not install")
    elif kind == "node" and not any(x.startswith("node:") for x in listed):
        problems.append(f"{cmd} ({where}) needs Node.js, which scripts/setup.sh does not install")
    elif kind == "npm" and not any(x.startswith(f"npm:{pkg}@") for x in listed):
        problems.append(f"{cmd} ({where}) comes from npm package {pkg}, which scripts/tools does not pin")
used = sorted(c for c in seen if c in table)
print(f"{len(used)} external commands in {len(files)} test scripts: {' '.join(used)}")
unused = sorted(c for c in table if c not in seen)
if unused:
    print("in the table but not called by the tests now (fine): " + " ".join(unused))
for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
PY
