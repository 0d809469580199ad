" Vim syntax file for Ramp, the language of training schedules (.ramp).
" Install: copy or link editors/vim into ~/.vim (Vim) or ~/.config/nvim (Neovim),
" or add it to 'runtimepath'. The word lists follow `ramp list --vocabulary`;
" a test keeps them complete.

if exists("b:current_syntax")
  finish
endif

syntax case match

" Keywords.
syntax keyword rampConditional then until for
syntax keyword rampOperatorWord and or not
syntax keyword rampDefine let def lambda

" Builtin schedules, conditions and functions.
" Matches, not keywords, so that a named argument spelt like one (`min=0`) is an argument.
syntax match rampBuiltin "\<\%(constant\|linear\|warmup\|cosine\|exponential\|step\|multistep\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(polynomial\|inverse_sqrt\|inverse_time\|tanh_decay\|cyclic\|onecycle\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(piecewise\|interpolate\|wsd\|reduce_on_plateau\|restarts\|at\|hold\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(float32\|running_product\|chained\|chain\|plateau\|cos\|sin\|tan\|exp\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(log\|sqrt\|floor\|ceil\|abs\|tanh\|mod\|min\|max\|unchecked\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(with_momentum\|layer_decay\|chainable\|product\|timestring\|run_length\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(range\|milestone_values\|manual_pieces\|span\|cosine_periods\|composite\|len\|keys\)\>\%(\s*=[^=]\)\@!"
syntax match rampBuiltin "\<\%(values\|cumprod\|if\|coalesce\|signal\|step_samples\|item\|with_output\)\>\%(\s*=[^=]\)\@!"

" Names with a fixed meaning, and constants.
syntax keyword rampSpecial t metric current elapsed
" Not keywords, which would win over a setting (`base 0.1`) or an output (`lr: ...`).
syntax match rampSpecial "\<\%(base\|lr\)\>"
syntax keyword rampConstant true false none True False None pi inf

" Settings start their line; outputs are a name before ':'.
syntax match rampSetting "^\s*\%(base\|steps_per_epoch\|samples_per_step\|tokens_per_step\|sequence_length\|total\|signals\)\>"
syntax match rampOutput "^\s*\h\w*\ze\s*:"
syntax match rampGroup "^\s*group\>"

" A library's constructor: torch.StepLR, optax.warmup_cosine_decay_schedule.
syntax match rampLibrary "\<\%(composer\|deepspeed\|fairseq\|fvcore\|keras\|megatron\|mmengine\|nemo\|optax\|paddle\|timm\|torch\|torchtitan\|transformers\)\%(\.\h\w*\)\+"

" Numbers, and the unit of a duration: 5 epochs, 10%, 375e6 tokens.
syntax match rampNumber "\%(\<\|\.\)\d[0-9_]*\%(\.[0-9_]*\)\=\%([eE][+-]\=\d\+\)\=" nextgroup=rampUnit skipwhite
syntax match rampUnit "\%(%\|\<\%(steps\|step\|epochs\|epoch\|samples\|sample\|tokens\|token\)\>\)" contained

" A named argument: T=50.
syntax match rampArgument "\<\h\w*\ze\s*=[^=]"

syntax region rampString start=+"+ skip=+\\.+ end=+"+ end=+$+
syntax region rampString start=+'+ skip=+\\.+ end=+'+ end=+$+
syntax match rampComment "#.*$" contains=@Spell

highlight default link rampConditional Conditional
highlight default link rampOperatorWord Operator
highlight default link rampDefine Keyword
highlight default link rampBuiltin Function
highlight default link rampSpecial Identifier
highlight default link rampConstant Constant
highlight default link rampSetting Statement
highlight default link rampOutput Label
highlight default link rampGroup Statement
highlight default link rampLibrary Type
highlight default link rampNumber Number
highlight default link rampUnit Special
highlight default link rampArgument Identifier
highlight default link rampString String
highlight default link rampComment Comment

let b:current_syntax = "ramp"
