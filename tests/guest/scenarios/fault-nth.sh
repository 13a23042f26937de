# SPDX-License-Identifier: GPL-2.0
# The kernel's own fault injection: load the module with the Nth slab
# allocation of finit_module() failing (fail-nth, failslab), for N = 1, 2,
# ... until a load runs out of allocations to fail. Every point of the
# kernel's loader and of the module's init fails once. A refused load leaves
# nothing behind; a load that survives a failure works, says what it lacks
# and unloads cleanly; nothing leaks and nothing warns.
#
# Only caches flagged for failslab count (cache-filter): the module loader's
# and the module's, not kmemleak's own (failing it switches kmemleak off).
# Linux 5.10 sets the flag only from the command line:
# cmdline: slub_debug=A,kmalloc-*,dentry,inode_cache,kernfs_node_cache,vmap_area
# About 2 minutes on the debug kernel; three times that beside kernel builds:
# timeout: 1500
FS=$DBG/failslab

if [ ! -e /proc/thread-self/fail-nth ] || [ ! -d $FS ]; then
	not_ok "kernel has fail-nth and failslab (CONFIG_FAILSLAB)"
	return 0
fi
check "kmalloc caches flagged for failslab, kmemleak's not" \
	[ "$(cat /sys/kernel/slab/kmalloc-256/failslab)" = 1 -a \
	"$(cat /sys/kernel/slab/kmemleak_object/failslab 2>/dev/null || echo 0)" = 0 ]
# Allocations that may sleep count too: most of a module load.
echo 0 >$FS/verbose
echo N >$FS/ignore-gfp-wait
echo Y >$FS/cache-filter
# The kernel log moves to /tmp/dmesg as the sweep goes (dmesg -c), and is
# scanned there: tests/scan-log.sh would take the allocation failures'
# stacks for splats.
dmesg -c >/tmp/dmesg
# One load first: the loader's once-only lines (taint) are then out of the way.
fix_load && fix_unload
[ ! -e $KML ] || echo clear >$KML

n=1
refused=0
by_init=0
silent=0
survived=0
nohook=0
nodbg=0
left=0
broken=0
t0=$(date +%s)
while [ $n -le 2000 ]; do
	dmesg -c >>/tmp/dmesg
	out=$(failnth $n /lib/mdcr_fix.ko max_records=64) || break
	# This load's kernel lines.
	dmesg -c >/tmp/k
	cat /tmp/k >>/tmp/dmesg
	case $out in
	"injected refused "*)
		refused=$((refused + 1))
		# Refused by the module's init, not by the loader: it says why.
		if grep -q 'mdcr_fix: ' /tmp/k; then
			by_init=$((by_init + 1))
			grep -q 'mdcr_fix: .*-12$' /tmp/k || {
				silent=$((silent + 1))
				diag "fail-nth=$n: init failed without saying why"
			}
		fi
		nothing_left || { left=$((left + 1)); diag "fail-nth=$n: refused, but left something"; }
		;;
	"injected loaded")
		survived=$((survived + 1))
		if [ ! -e $FIX ]; then
			nodbg=$((nodbg + 1))
			grep -q 'mdcr_fix: no debugfs entry' /tmp/k || {
				broken=$((broken + 1))
				diag "fail-nth=$n: no debugfs entry and no word why"
			}
		elif grep -q '^hook\..*none (.*-12)' $FIX; then
			nohook=$((nohook + 1))
		fi
		vmm -c 1 -q || broken=$((broken + 1))
		rmmod mdcr_fix || broken=$((broken + 1))
		nothing_left || { left=$((left + 1)); diag "fail-nth=$n: loaded, unloaded, left something"; }
		;;
	"clean loaded")
		break
		;;
	*)
		diag "fail-nth=$n: $out"
		broken=$((broken + 1))
		break
		;;
	esac
	n=$((n + 1))
done
diag "$((n - 1)) allocation points failed one at a time in $(($(date +%s) - t0)) s:" \
	"$refused loads refused ($by_init by the module's init); $survived survived, $nohook of them without" \
	"an optional hook (-ENOMEM), $nodbg without the debugfs entry"
check "the sweep ran out of points to fail (N=$n loads clean)" \
	[ "$out" = "clean loaded" -a "$refused" -gt 0 ]
check "every refused load left nothing behind ($left)" [ $left -eq 0 ]
# max_records=64 keeps the pool at one page, which kvcalloc() takes from
# kmalloc() alone: a larger pool falls back to vmalloc() when kmalloc()
# fails, and the init would never see the failure.
check "every load the module's init refused said why in dmesg ($by_init refused, $silent silent)" \
	[ $by_init -gt 0 -a $silent -eq 0 ]
check "every load that survived a failure worked and unloaded ($broken)" [ $broken -eq 0 ]
check "the clean load works" grep -q '^verdict:' $FIX
fix_unload
check "  and unloads, leaving nothing" nothing_left

echo Y >$FS/ignore-gfp-wait
echo N >$FS/cache-filter
# Allocation failures may print their stack (warn_alloc): those are the
# test, not a fault. Anything else tests/scan-log.sh looks for is.
dmesg -c >>/tmp/dmesg
grep -v 'Call trace:' /tmp/dmesg >/tmp/dmesg.nostack
check "no kernel warning since boot ($(wc -l </tmp/dmesg) lines of dmesg)" \
	sh -c '! grep -Eqf /lib/splat.ere /tmp/dmesg.nostack'
grep -E -A8 -f /lib/splat.ere /tmp/dmesg.nostack | head -n 30 | sed 's/^/# /'
kmemleak_check
