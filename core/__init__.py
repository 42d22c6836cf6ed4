"""llmreel.core: the small bottom layer every package and command shares (no numpy model, no bpy).

    errors   InputError: bad user input -> one line on stderr, exit status 2
    options  accepted values and their parsers: languages, aspect, fps, pace, resolution
    files    atomic file writing and the checks a destination passes before any work starts
"""
