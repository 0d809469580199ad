// Non-variadic wrappers around libedit, which Swift cannot call directly
// (el_set and history are variadic), and el_init on the C standard streams,
// which Swift 6 will not take as globals.
#ifndef RAMP_CEDITLINE_SHIM_H
#define RAMP_CEDITLINE_SHIM_H

#include <stdio.h>
#include <histedit.h>

typedef char *(*ramp_prompt_fn)(EditLine *);
typedef unsigned char (*ramp_command_fn)(EditLine *, int);

static inline EditLine *ramp_el_init(const char *program) {
    return el_init(program, stdin, stdout, stderr);
}

static inline int ramp_el_set_prompt(EditLine *e, ramp_prompt_fn f) { return el_set(e, EL_PROMPT, f); }
static inline int ramp_el_set_editor(EditLine *e, const char *mode) { return el_set(e, EL_EDITOR, mode); }
static inline int ramp_el_set_history(EditLine *e, History *h) { return el_set(e, EL_HIST, history, h); }
static inline int ramp_el_set_clientdata(EditLine *e, void *data) { return el_set(e, EL_CLIENTDATA, data); }
static inline void *ramp_el_get_clientdata(EditLine *e) {
    void *data = NULL;
    el_get(e, EL_CLIENTDATA, &data);
    return data;
}
static inline int ramp_el_add_function(EditLine *e, const char *name, const char *help, ramp_command_fn f) {
    return el_set(e, EL_ADDFN, name, help, f);
}
static inline int ramp_el_bind(EditLine *e, const char *key, const char *name) {
    return el_set(e, EL_BIND, key, name, NULL);
}
/// Turns off the terminal's own signal keys while editing, so that Ctrl-C
/// reaches the editor as a key and can abandon the line.
static inline int ramp_el_no_isig(EditLine *e) { return el_set(e, EL_SETTY, "-d", "-isig", NULL); }

static inline History *ramp_history_init(int size) {
    History *h = history_init();
    HistEvent ev;
    if (h) {
        history(h, &ev, H_SETSIZE, size);
        history(h, &ev, H_SETUNIQUE, 1);
    }
    return h;
}
static inline int ramp_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}
static inline int ramp_history_load(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_LOAD, path);
}
static inline int ramp_history_save(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_SAVE, path);
}

#endif
