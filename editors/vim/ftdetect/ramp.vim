" Ramp programs: *.ramp.
autocmd BufRead,BufNewFile *.ramp setfiletype ramp
