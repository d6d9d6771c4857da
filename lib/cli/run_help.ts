/**
 * Help text of `mitoctl run`.
 *
 * @module
 */

/** `mitoctl run --help`. */
export const HELP_RUN = `Usage: mitoctl run [flags] <targets> -- <command> [args…]

Runs <command> with [args…] (an argv, not a shell string) on each target and streams its
stdout and stderr as they come, kept apart. <targets> is one target, a comma list or an
@group from the inventory; each may be multi-hop (bastion/web1/sudo). With one target, piped stdin is forwarded and the
exit code is the remote command's (128 + n for a signal). Ctrl-C sends it SIGINT, then
SIGKILL after 2 s, and exits 130; --timeout S does the same after S seconds and exits 4. With
several, lines are prefixed with the target, a summary goes to stderr, and the exit code
is the highest of all. Output bound to a terminal shows control characters escaped
(\x1b, \u009b), so a remote cannot move the cursor or retitle the window; into a pipe, or
with --raw, its bytes pass as they are.

  mitoctl run web1 -- journalctl -f -u nginx
  mitoctl run web1,web2,db1 -- systemctl is-active nginx
  mitoctl run --shell web1 -- 'ls /etc | wc -l'

Flags:
      --shell               run the command through /bin/sh -c (arguments joined with spaces)
      --raw                 pass output bytes to a terminal as they are
  -i, --inventory FILE      inventory for @groups (default $MITOCTL_INVENTORY)
      --forks N             hosts in flight at once (default 20)
      --timeout S           stop the command after S seconds (exit 4)
  See "mitoctl call --help" for the connection flags.`;
