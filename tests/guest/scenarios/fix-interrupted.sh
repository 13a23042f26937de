# SPDX-License-Identifier: GPL-2.0
# mdcr_fix (auto): an interrupted first run no longer leaves HPMN = 0.
obs_load
fix_load
before=$(obs_cpu_mdcr 1)
run vmm -i -n 0 -p 1
check "vmm: interrupted first run on CPU 1" [ $? -eq 0 ]
after=$(obs_cpu_mdcr 1)
diag "CPU 1 host MDCR_EL2: before $before, after $after"
check "CPU 1 keeps HPMN=$(hpmn "$before")" \
	[ "$(hpmn "$after")" -ne 0 -a "$(hpmn "$after")" -eq "$(hpmn "$before")" ]
run vmm -s -c 2 -p 1
check "vmm: secondary powered off, stopped by a signal" [ $? -eq 0 ]
after=$(obs_cpu_mdcr 1)
check "CPU 1 keeps HPMN after a never-started secondary ($after)" [ "$(hpmn "$after")" -eq "$(hpmn "$before")" ]
fix_unload
obs_unload
