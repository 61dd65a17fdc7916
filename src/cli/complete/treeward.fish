# Values from the store (paths, logins, groups, subjects, …): `treeward
# complete` lists what you see, acting as you (or as the --as typed on the
# line, on its --db). Elsewhere clap's completions above answer.
function __treeward_values
    set -l words (commandline -opc)
    set -l program $words[1]
    set -e words[1]
    set -l out (command $program complete --shell fish -- $words (commandline -ct) 2>/dev/null)
    set -g __treeward_values
    test -n "$out[1]"; or return 1
    set -e out[1]
    set -g __treeward_values $out
end

complete -c treeward -f -n __treeward_values -a '$__treeward_values'
