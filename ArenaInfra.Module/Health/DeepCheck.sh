# The deep check, run on a pod as one command. It measures and judges what a pod needs for the
# course and prints one line a verdict, "PASS|WARN|FAIL <check> <reason>", "FACT <key> <value>" for
# what the module judges itself (the driver, the GPU counts), and "STAGE <name>" as each stage
# begins, so a run that is cut or runs out of time says where it was. "DONE" ends a whole run.
# Each stage has its own timeout, and all of them together stay within BUDGET seconds.
# The module sets BUDGET, URL, DL_BYTES, MIN_FREE_KB, MIN_MBPS and CONDA_ENV before this text.
set -u
export LC_ALL=C
start=$(date +%s)

# One verdict line: control characters dropped, the reason kept short.
say() { printf '%s %s %s\n' "$1" "$2" "$(printf '%s' "$3" | tr -d '\000-\037\177' | cut -c1-180)"; }
left() {
  r=$((start + BUDGET - 5 - $(date +%s)))
  [ "$r" -lt 1 ] && r=1
  if [ "$r" -lt "$1" ]; then echo "$r"; else echo "$1"; fi
}
have() { command -v "$1" >/dev/null 2>&1; }
# bounded <seconds> command...: TERM at its time (or at what is left of the budget), KILL 2 s later.
bounded() {
  secs=$(left "$1")
  shift
  if have timeout; then timeout -k 2 "$secs" "$@"; else "$@"; fi
}
timed_out() { [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; }

work=$(mktemp -d 2>/dev/null) || work=""
if [ -z "$work" ]; then
  say FAIL deep-check "mktemp failed: /tmp is full or read-only"
  echo DONE
  exit 0
fi
trap 'rm -rf "$work"' EXIT

# The download runs alongside the GPU checks, bounded in time and in bytes; its verdict comes last.
dl=""
if have curl; then
  (
    bounded 40 curl -sS -L --proto '=http,https' --connect-timeout 10 --max-time 30 -r "0-$((DL_BYTES - 1))" \
      -o /dev/null -w '%{size_download} %{time_total} %{http_code}' "$URL" >"$work/dl" 2>"$work/dl.err"
    echo "$?" >"$work/dl.rc"
  ) </dev/null &
  dl=$!
fi

echo "STAGE load"
l1=""
read -r l1 _rest </proc/loadavg 2>/dev/null
cpus=$(nproc --all 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)
case "$cpus" in '' | *[!0-9]*) cpus="" ;; esac
if [ -z "$l1" ] || [ -z "$cpus" ]; then
  say WARN load "the host's load or CPU count is unknown"
elif awk -v l="$l1" -v c="$cpus" 'BEGIN { exit !(l > c) }'; then
  say WARN load "host load $l1 is above its $cpus CPUs"
else
  say PASS load "host load $l1 on $cpus CPUs"
fi

echo "STAGE nvidia-smi"
if ! have nvidia-smi; then
  say FAIL nvidia-smi "nvidia-smi is not installed: no NVIDIA driver in the container"
else
  bounded 15 nvidia-smi --query-gpu=index,name,driver_version --format=csv,noheader >"$work/smi" 2>"$work/smi.err"
  rc=$?
  if timed_out "$rc"; then
    say FAIL nvidia-smi "nvidia-smi did not answer within 15 s"
  elif [ "$rc" -ne 0 ]; then
    say FAIL nvidia-smi "nvidia-smi failed (exit $rc): $(head -n 1 "$work/smi.err")"
  else
    n=$(grep -c '^ *[0-9]' "$work/smi")
    awk -F',' '$1 ~ /^ *[0-9]+ *$/ && NF >= 3 { gsub(/ /, "", $3); print "FACT driver " $3 }' "$work/smi"
    echo "FACT smi-gpus $n"
    if [ "$n" -eq 0 ]; then
      say FAIL nvidia-smi "nvidia-smi lists no GPU"
    else
      say PASS nvidia-smi "$n GPU(s):$(head -n 1 "$work/smi" | cut -d, -f2)"
    fi
  fi
fi

echo "STAGE torch"
cat >"$work/check.py" <<'PYEOF'
import sys


def say(verdict, check, reason):
    print(verdict, check, " ".join(str(reason).split())[:180], flush=True)


def stage(name):
    print("STAGE", name, flush=True)


def error(e):
    return "%s: %s" % (type(e).__name__, e)


try:
    import torch
except BaseException as e:
    say("FAIL", "torch", "import torch failed: " + error(e))
    sys.exit(0)
cuda = getattr(torch.version, "cuda", None)
print("FACT torch-version", torch.__version__, flush=True)
print("FACT torch-cuda", cuda or "none", flush=True)
try:
    available = bool(torch.cuda.is_available())
except BaseException:
    available = False
if not available:
    reason = "torch.cuda.is_available() is False"
    try:
        torch.cuda.init()
    except BaseException as e:
        reason = error(e)
    say("FAIL", "torch", "torch %s sees no CUDA: %s" % (torch.__version__, reason))
    sys.exit(0)
n = int(torch.cuda.device_count())
print("FACT torch-gpus", n, flush=True)
say("PASS", "torch", "torch %s, CUDA %s" % (torch.__version__, cuda))

stage("compute")
wrong = []
for i in range(n):
    try:
        x = torch.ones(256, 256, device="cuda:%d" % i)
        y = (x @ x).sum().item()
        torch.cuda.synchronize(i)
        if y != 256 ** 3:
            wrong.append("GPU %d: matmul gave %s, not %d" % (i, y, 256 ** 3))
    except BaseException as e:
        wrong.append("GPU %d: %s" % (i, error(e)))
if n == 0:
    say("FAIL", "compute", "torch sees no GPU to compute on")
elif wrong:
    say("FAIL", "compute", "; ".join(wrong))
else:
    say("PASS", "compute", "a matmul with the right answer on each of %d GPU(s)" % n)

if n > 1:
    stage("peer-copy")
    wrong = []
    for i in range(n):
        j = (i + 1) % n
        try:
            x = torch.randn(1024, 1024, device="cuda:%d" % i)
            y = x.to("cuda:%d" % j)
            torch.cuda.synchronize(i)
            torch.cuda.synchronize(j)
            if not torch.equal(x.cpu(), y.cpu()):
                wrong.append("GPU %d to %d: the copy differs" % (i, j))
        except BaseException as e:
            wrong.append("GPU %d to %d: %s" % (i, j, error(e)))
    if wrong:
        say("FAIL", "peer-copy", "; ".join(wrong))
    else:
        say("PASS", "peer-copy", "copies between all %d GPUs arrive intact" % n)

    stage("nccl")
    try:
        import torch.cuda.nccl as nccl
        tensors = [torch.full((1024,), float(i + 1), device="cuda:%d" % i) for i in range(n)]
        nccl.all_reduce(tensors)
        for i in range(n):
            torch.cuda.synchronize(i)
        want = n * (n + 1) / 2 * 1024
        bad = [i for i, t in enumerate(tensors) if t.sum().item() != want]
        if bad:
            say("FAIL", "nccl", "all-reduce gave a wrong sum on GPU %s" % ", ".join(str(i) for i in bad))
        else:
            say("PASS", "nccl", "all-reduce right over %d GPUs" % n)
    except BaseException as e:
        say("FAIL", "nccl", "all-reduce failed: " + error(e))
PYEOF
if [ -x /opt/conda/bin/conda ]; then conda=/opt/conda/bin/conda; else conda=$(command -v conda 2>/dev/null); fi
if [ -z "$conda" ]; then
  say FAIL torch "conda is not installed on the pod"
else
  (cd "$work" && bounded 75 "$conda" run --no-capture-output -n "$CONDA_ENV" python3 check.py) </dev/null 2>"$work/py.err"
  rc=$?
  if timed_out "$rc"; then
    say FAIL python "the python checks did not finish in their time"
  elif [ "$rc" -ne 0 ]; then
    say FAIL python "python in the conda env '$CONDA_ENV' failed (exit $rc): $(tail -n 1 "$work/py.err")"
  fi
fi

echo "STAGE disk"
for dir in / /workspace; do
  [ -d "$dir" ] || continue
  if [ "$dir" = / ]; then check=disk-root; else check=disk-workspace; fi
  kb=$(bounded 10 df -P -k "$dir" 2>/dev/null | awk 'NR == 2 { print $4 }')
  case "$kb" in '' | *[!0-9]*) say WARN "$check" "free space on $dir is unknown"; continue ;; esac
  gb=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1048576 }')
  if [ "$kb" -lt "$MIN_FREE_KB" ]; then
    say WARN "$check" "$gb GB free on $dir, under $((MIN_FREE_KB / 1048576)) GB"
  else
    say PASS "$check" "$gb GB free on $dir"
  fi
done

echo "STAGE download"
if [ -z "$dl" ]; then
  say WARN download "curl is not installed, so the download speed is unknown"
else
  wait "$dl" 2>/dev/null
  bytes="" secs="" code=""
  read -r bytes secs code _rest <"$work/dl" 2>/dev/null
  rc=$(cat "$work/dl.rc" 2>/dev/null)
  rate=$(awk -v b="${bytes:-0}" -v s="${secs:-0}" 'BEGIN { if (b > 0 && s > 0) printf "%.2f", b / s / 1000000; else print "0" }')
  if [ "$rate" = 0 ]; then
    say WARN download "nothing downloaded (curl exit ${rc:-none}, HTTP ${code:-none}): $(head -n 1 "$work/dl.err" 2>/dev/null)"
  elif awk -v r="$rate" -v m="$MIN_MBPS" 'BEGIN { exit !(r < m) }'; then
    say WARN download "$rate MB/s, under $MIN_MBPS MB/s"
  else
    say PASS download "$rate MB/s"
  fi
fi

echo DONE
