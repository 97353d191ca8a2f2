# bash completion for wisp. Install: source this file, or copy it to
# ~/.local/share/bash-completion/completions/wisp
_wisp() {
    local cur prev
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    case "$prev" in
        --provider) COMPREPLY=($(compgen -W "openai openrouter anthropic gemini ollama" -- "$cur")); return ;;
        --effort) COMPREPLY=($(compgen -W "off low medium high" -- "$cur")); return ;;
        --mode) COMPREPLY=($(compgen -W "restrictive guarded accept-edits standard" -- "$cur")); return ;;
        --sandbox) COMPREPLY=($(compgen -W "workspace-write read-only off" -- "$cur")); return ;;
        --output-format) COMPREPLY=($(compgen -W "text json stream-json" -- "$cur")); return ;;
        -m|--model|--allow|--max-steps|--test|--max) return ;;
        --worktree) COMPREPLY=($(compgen -W "$(git worktree list --porcelain 2>/dev/null | sed -n 's/^branch refs\/heads\///p')" -- "$cur")); return ;;
        --plan) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --prompt)
            local names="ask brainstorm commit debug explain finish init plan refactor review review-security simplify tdd verify worktree"
            local dir
            for dir in "${XDG_CONFIG_HOME:-$HOME/.config}/wisp/prompts" .wisp/prompts .claude/commands; do
                [[ -d "$dir" ]] && names+=" $(cd "$dir" && ls *.md 2>/dev/null | sed 's/\.md$//')"
            done
            COMPREPLY=($(compgen -W "$names" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-p --print --output-format --provider -m --model --mode --effort --sandbox --yolo --allow --max-steps --step --worktree --test --plan --max --auto --prompt -c --continue -r --resume --plain --raw-markdown --bell --no-color -V --version -h --help" -- "$cur"))
    elif [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "loop acp" -- "$cur"))
    fi
}
complete -o default -F _wisp wisp
