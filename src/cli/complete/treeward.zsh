# Values from the store (paths, logins, groups, subjects, …): `treeward
# complete` lists what you see, acting as you (or as the --as typed on the
# line, on its --db). Elsewhere clap's completion above answers.
_treeward_values() {
    local -a out open leaves
    out=("${(@f)$(command ${(Q)words[1]} complete --shell zsh -- "${(@)words[2,CURRENT-1]}" "$PREFIX" 2>/dev/null)}")
    if [[ -z ${out[1]} ]]; then
        _treeward "$@"
        return
    fi
    open=(${(M)out[2,-1]:#*[/:]})
    leaves=(${out[2,-1]:#*[/:]})
    compadd -S '' -a open
    compadd -a leaves
}

if [ "$funcstack[1]" = "_treeward" ]; then
    _treeward_values "$@"
    compdef _treeward_values treeward
else
    compdef _treeward_values treeward
fi
