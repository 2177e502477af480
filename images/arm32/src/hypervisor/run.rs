//! What each binary of a hypervisor image runs: the same on every CPU
//! (`wells_board_common::hypervisor::run`), over this image's guests and system.

wells_board_common::hypervisor_run!();
