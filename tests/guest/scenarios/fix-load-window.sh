# SPDX-License-Identifier: GPL-2.0
# vCPUs that start while the module loads, after it armed its hooks and
# before it checked the CPUs (a test build's load_window_ms= holds the init
# there): a new VM's first load gets the kernel's value, an interrupted
# first run leaves CPU 1 its HPMN, and the status is true once loaded. A
# module that checked the CPUs before arming (or armed late) fails here.
loading() {
	grep -q '^mdcr_fix .* Loading' /proc/modules
}
obs_load
trace_on
before=$(obs_cpu_mdcr 1)
fix_load load_window_ms=15000 &
ins=$!
sleep 1
check "mdcr_fix is in its init (Loading)" loading
run vmm -c 1 -p 1
check "vmm: a new VM runs meanwhile" [ $? -eq 0 ]
check "  while mdcr_fix is still in its init" loading
echo 0 >$TRACE/tracing_on
check "  its first load got the kernel's value" first_loads_match 1
run vmm -i -n 0 -p 1
check "vmm: an interrupted first run on CPU 1 meanwhile" [ $? -eq 0 ]
after=$(obs_cpu_mdcr 1)
check "  CPU 1 read while mdcr_fix is still in its init" loading
diag "CPU 1 host MDCR_EL2: before $before, after the interrupted run $after"
check "  CPU 1 keeps HPMN=$(hpmn "$before")" \
	[ "$(hpmn "$after")" -ne 0 -a "$(hpmn "$after")" -eq "$(hpmn "$before")" ]
wait $ins
check "mdcr_fix loads" [ $? -eq 0 ]
check "status: protected" [ "$(fix_key status)" = protected ]
check "no CPU repaired (none was damaged)" [ "$(fix_key repaired)" -eq 0 ]
fix_unload
obs_unload
