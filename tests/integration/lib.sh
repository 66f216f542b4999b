# shellcheck shell=bash
# Shell helpers shared by the integration scripts; source it, do not run it:
#
#   . "$src/tests/integration/lib.sh"
#
# Waits are on conditions with a deadline, never on time alone.

# wait_for WHAT COMMAND...: run COMMAND every 50 ms until it succeeds, for
# at most 20 s (400 tries). Returns 0 once it has; otherwise prints
# "timed out waiting for WHAT" on stderr and returns 1, and the caller
# decides what that failure means (fail the script, fail one scenario).
wait_for() {
	local what=$1
	shift
	for _ in $(seq 1 400); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out waiting for $what" >&2
	return 1
}
