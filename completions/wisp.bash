# bash completion for wisp. Install: source this file, or copy it to
# ~/.local/share/bash-completion/completions/wisp
_wisp() {
    local cur prev
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    case "$prev" in
        --provider) COMPREPLY=($(compgen -W "openai openrouter anthropic gemini ollama" -- "$cur")); return ;;
        --mode) COMPREPLY=($(compgen -W "restrictive guarded accept-edits standard" -- "$cur")); return ;;
        --output-format) COMPREPLY=($(compgen -W "text json stream-json" -- "$cur")); return ;;
        -m|--model|--allow|--max-steps) return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-p --print --output-format --provider -m --model --mode --yolo --allow --max-steps --step --plain --bell --no-color -V --version -h --help" -- "$cur"))
    fi
}
complete -o default -F _wisp wisp
