# Values from the store (paths, logins, groups, subjects, …): `treeward
# complete` lists what you see, acting as you (or as the --as typed on the
# line, on its --db). Elsewhere clap's completion above answers.
_treeward_values() {
    local -a out=()
    local line
    while IFS= read -r line; do
        out+=("$line")
    done < <(COMP_WORDBREAKS="$COMP_WORDBREAKS" command "${COMP_WORDS[0]}" \
        complete --shell bash -- "${COMP_LINE:0:COMP_POINT}" 2>/dev/null)
    if [[ -z ${out[0]} ]]; then
        _treeward "$@"
        return
    fi
    COMPREPLY=("${out[@]:1}")
    # Quoted as file names are: a path with spaces completes inside quotes or
    # with backslashes.
    compopt -o filenames 2>/dev/null
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[/:] ]]; then
        compopt -o nospace 2>/dev/null
    fi
}

complete -F _treeward_values -o bashdefault -o default treeward
