// v6lb_axil_regs: the AXI4-Lite slave and register file of the v6lb register map
// (hw/regs/v6lb_regs.yaml; offsets, resets and masks come from the generated v6lb_regs.svh).
//
// Bus: 32-bit data, ADDR_WIDTH-bit byte addresses (<= 32), address bits 1:0 ignored. Write
// address and write data are taken independently (either order, or together) into holding
// registers; the write is performed once both are held and answered on B; one write and one read
// are in flight at most. OKAY for every mapped address (writes to ro registers are ignored),
// SLVERR (read data 0) for unmapped addresses. WSTRB is honoured on rw and cmd registers; bits
// outside a register's fields (its _MASK) are not stored and read 0. AWPROT/ARPROT are ignored.
//
// To the rest of the design (all outputs registered):
//   - the rw registers as plain vectors (arrays concatenated, word i in bits [32*i +: 32]);
//   - TBL_CMD: a write pulses tbl_cmd_valid for one cycle with tbl_cmd (the masked command),
//     unless a command is in progress (tbl_busy or the pulse itself), in which case it is
//     ignored. In the cycle after tbl_cmd_valid the table engine either completes the command
//     (tbl_rdata_valid for a read, tbl_error settled) or raises tbl_busy and holds it until the
//     command is complete; a read delivers its entry with a one-cycle tbl_rdata_valid (which
//     loads all of TBL_DATA, over any host write in that cycle) no later than the cycle tbl_busy
//     drops. TBL_STATUS.BUSY = tbl_busy | tbl_cmd_valid, so a status read issued after the
//     TBL_CMD write's response never sees a false idle. tbl_error is the status of the last
//     command (TBL_STATUS.ERROR). The engine may read tbl_data/tbl_index/tbl_sel while busy.
//   - CNT_SEL: a write pulses cnt_sel_write (cnt_sel already holds the new value in that cycle).
//     The counter block answers with a one-cycle cnt_value_valid carrying the 64-bit snapshot
//     (cnt_value), which loads CNT_LO/CNT_HI; it may answer in the pulse cycle itself. Reads of
//     CNT_LO/CNT_HI wait until the snapshot has arrived (at most SNAP_TIMEOUT cycles; after that
//     they return the previous snapshot rather than hang the bus).
//   - CNT_CLEAR: a write with CLEAR set pulses cnt_clear for one cycle.
//   - ro inputs: tick_now (TICK_NOW), tbl_busy/tbl_error (TBL_STATUS); CAP_* from the parameters.
//
// Portable subset: Verilog-2001 + logic/always_ff/always_comb; synchronous active-high reset.

`include "v6lb_regs.svh"

module v6lb_axil_regs #(
    parameter integer ADDR_WIDTH   = `V6LB_REGS_ADDR_WIDTH,
    parameter integer DATA_WIDTH   = `V6LB_DEFAULT_DATA_WIDTH,
    parameter integer N_SERVICES   = `V6LB_DEFAULT_N_SERVICES,
    parameter integer N_BACKENDS   = `V6LB_DEFAULT_N_BACKENDS,
    parameter integer MAGLEV_M     = `V6LB_DEFAULT_MAGLEV_M,
    parameter integer FLOW_SETS    = `V6LB_DEFAULT_FLOW_SETS,
    parameter integer FLOW_WAYS    = `V6LB_DEFAULT_FLOW_WAYS,
    parameter integer WINDOW_BYTES = `V6LB_DEFAULT_WINDOW_BYTES,
    parameter integer MAX_FRAME    = `V6LB_DEFAULT_MAX_FRAME,
    parameter integer SNAP_TIMEOUT = 65535
) (
    input  logic                  clk,
    input  logic                  rst,

    // AXI4-Lite slave
    input  logic [ADDR_WIDTH-1:0] s_axil_awaddr,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [2:0]            s_axil_awprot,
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic                  s_axil_awvalid,
    output logic                  s_axil_awready,
    input  logic [31:0]           s_axil_wdata,
    input  logic [3:0]            s_axil_wstrb,
    input  logic                  s_axil_wvalid,
    output logic                  s_axil_wready,
    output logic [1:0]            s_axil_bresp,
    output logic                  s_axil_bvalid,
    input  logic                  s_axil_bready,
    input  logic [ADDR_WIDTH-1:0] s_axil_araddr,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic [2:0]            s_axil_arprot,
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic                  s_axil_arvalid,
    output logic                  s_axil_arready,
    output logic [31:0]           s_axil_rdata,
    output logic [1:0]            s_axil_rresp,
    output logic                  s_axil_rvalid,
    input  logic                  s_axil_rready,

    // rw registers
    output logic [31:0]           ctrl,
    output logic [31:0]           tick_div,
    output logic [31:0]           card_mac_hi,
    output logic [31:0]           card_mac_lo,
    output logic [31:0]           router_mac_hi,
    output logic [31:0]           router_mac_lo,
    output logic [127:0]          card_addr,
    output logic [511:0]          tbl_data,
    output logic [31:0]           tbl_index,
    output logic [31:0]           tbl_sel,
    output logic [255:0]          active_bank,
    output logic [31:0]           cnt_sel,

    // table operations
    output logic                  tbl_cmd_valid,
    output logic [31:0]           tbl_cmd,
    input  logic                  tbl_busy,
    input  logic                  tbl_error,
    input  logic                  tbl_rdata_valid,
    input  logic [511:0]          tbl_rdata,

    // counters
    output logic                  cnt_sel_write,
    input  logic                  cnt_value_valid,
    input  logic [63:0]           cnt_value,
    output logic                  cnt_clear,

    // status
    input  logic [31:0]           tick_now
);
    // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
    initial begin
        if (ADDR_WIDTH < `V6LB_REGS_ADDR_WIDTH || ADDR_WIDTH > 32)
            $error("v6lb_axil_regs: ADDR_WIDTH = %0d: the map needs `V6LB_REGS_ADDR_WIDTH..32 bits", ADDR_WIDTH);
        if (SNAP_TIMEOUT < 1)
            $error("v6lb_axil_regs: SNAP_TIMEOUT = %0d, must be at least 1", SNAP_TIMEOUT);
    end


    localparam [1:0] RESP_OKAY   = 2'b00;
    localparam [1:0] RESP_SLVERR = 2'b10;

    localparam integer CARD_ADDR_N   = `V6LB_REG_CARD_ADDR_COUNT;
    localparam integer TBL_DATA_N    = `V6LB_REG_TBL_DATA_COUNT;
    localparam integer ACTIVE_BANK_N = `V6LB_REG_ACTIVE_BANK_COUNT;

    // Is `a` (a word-aligned 32-bit byte address) the address of a register?
    function is_mapped;
        input [31:0] a;
        begin
            is_mapped =
                (a == `V6LB_REG_ID) || (a == `V6LB_REG_VERSION) ||
                (a == `V6LB_REG_CAP_DATA_WIDTH) || (a == `V6LB_REG_CAP_SERVICES) ||
                (a == `V6LB_REG_CAP_BACKENDS) || (a == `V6LB_REG_CAP_MAGLEV_M) ||
                (a == `V6LB_REG_CAP_FLOW_SETS) || (a == `V6LB_REG_CAP_FLOW_WAYS) ||
                (a == `V6LB_REG_CAP_PARSE_WINDOW) || (a == `V6LB_REG_CAP_MAX_FRAME) ||
                (a == `V6LB_REG_CTRL) || (a == `V6LB_REG_TICK_DIV) || (a == `V6LB_REG_TICK_NOW) ||
                (a == `V6LB_REG_CARD_MAC_HI) || (a == `V6LB_REG_CARD_MAC_LO) ||
                (a == `V6LB_REG_ROUTER_MAC_HI) || (a == `V6LB_REG_ROUTER_MAC_LO) ||
                (a >= `V6LB_REG_CARD_ADDR && a < `V6LB_REG_CARD_ADDR + 4 * CARD_ADDR_N) ||
                (a >= `V6LB_REG_TBL_DATA && a < `V6LB_REG_TBL_DATA + 4 * TBL_DATA_N) ||
                (a == `V6LB_REG_TBL_INDEX) || (a == `V6LB_REG_TBL_SEL) ||
                (a == `V6LB_REG_TBL_CMD) || (a == `V6LB_REG_TBL_STATUS) ||
                (a >= `V6LB_REG_ACTIVE_BANK && a < `V6LB_REG_ACTIVE_BANK + 4 * ACTIVE_BANK_N) ||
                (a == `V6LB_REG_CNT_SEL) || (a == `V6LB_REG_CNT_LO) || (a == `V6LB_REG_CNT_HI) ||
                (a == `V6LB_REG_CNT_CLEAR);
        end
    endfunction

    // Byte-strobed update of a register word, keeping only its implemented bits.
    function [31:0] merge;
        input [31:0] old_v;
        input [31:0] new_v;
        input [31:0] byte_mask;
        input [31:0] bit_mask;
        begin
            merge = ((old_v & ~byte_mask) | (new_v & byte_mask)) & bit_mask;
        end
    endfunction

    // ------------------------------------------------------------------------------------------
    // Write channel

    logic                  aw_hold, w_hold, bvalid_q;
    logic [1:0]            bresp_q;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [ADDR_WIDTH-1:0] aw_addr_q;
    logic [31:0]           wa;       // word-aligned write address, zero-extended
    /* verilator lint_on UNUSEDSIGNAL */
    logic [31:0]           w_data_q;
    logic [3:0]            w_strb_q;
    logic [31:0]           bm;       // byte mask from WSTRB
    logic                  wr_fire;  // perform the held write this cycle

    assign s_axil_awready = !aw_hold && !bvalid_q;
    assign s_axil_wready  = !w_hold && !bvalid_q;
    assign s_axil_bvalid  = bvalid_q;
    assign s_axil_bresp   = bresp_q;
    assign wr_fire        = aw_hold && w_hold;

    assign bm = {{8{w_strb_q[3]}}, {8{w_strb_q[2]}}, {8{w_strb_q[1]}}, {8{w_strb_q[0]}}};

    always_ff @(posedge clk) begin
        if (rst) begin
            aw_hold  <= 1'b0;
            w_hold   <= 1'b0;
            bvalid_q <= 1'b0;
            bresp_q  <= RESP_OKAY;
        end else begin
            if (s_axil_awvalid && s_axil_awready) aw_hold <= 1'b1;
            if (s_axil_wvalid && s_axil_wready) w_hold <= 1'b1;
            if (wr_fire) begin
                aw_hold  <= 1'b0;
                w_hold   <= 1'b0;
                bvalid_q <= 1'b1;
                bresp_q  <= is_mapped(wa) ? RESP_OKAY : RESP_SLVERR;
            end else if (s_axil_bready) begin
                bvalid_q <= 1'b0;
            end
        end
    end

    always_ff @(posedge clk) begin
        if (s_axil_awvalid && s_axil_awready) aw_addr_q <= s_axil_awaddr;
        if (s_axil_wvalid && s_axil_wready) begin
            w_data_q <= s_axil_wdata;
            w_strb_q <= s_axil_wstrb;
        end
    end

    // ------------------------------------------------------------------------------------------
    // Register file

    logic cmd_busy;
    assign cmd_busy = tbl_busy || tbl_cmd_valid;

    always_ff @(posedge clk) begin
        if (rst) begin
            ctrl          <= `V6LB_REG_CTRL_RESET;
            tick_div      <= `V6LB_REG_TICK_DIV_RESET;
            card_mac_hi   <= `V6LB_REG_CARD_MAC_HI_RESET;
            card_mac_lo   <= `V6LB_REG_CARD_MAC_LO_RESET;
            router_mac_hi <= `V6LB_REG_ROUTER_MAC_HI_RESET;
            router_mac_lo <= `V6LB_REG_ROUTER_MAC_LO_RESET;
            tbl_index     <= `V6LB_REG_TBL_INDEX_RESET;
            tbl_sel       <= `V6LB_REG_TBL_SEL_RESET;
            cnt_sel       <= `V6LB_REG_CNT_SEL_RESET;
            tbl_cmd       <= `V6LB_REG_TBL_CMD_RESET;
            tbl_cmd_valid <= 1'b0;
            cnt_sel_write <= 1'b0;
            cnt_clear     <= 1'b0;
        end else begin
            tbl_cmd_valid <= 1'b0;
            cnt_sel_write <= 1'b0;
            cnt_clear     <= 1'b0;
            if (wr_fire) begin
                if (wa == `V6LB_REG_CTRL)
                    ctrl <= merge(ctrl, w_data_q, bm, `V6LB_REG_CTRL_MASK);
                if (wa == `V6LB_REG_TICK_DIV)
                    tick_div <= merge(tick_div, w_data_q, bm, `V6LB_REG_TICK_DIV_MASK);
                if (wa == `V6LB_REG_CARD_MAC_HI)
                    card_mac_hi <= merge(card_mac_hi, w_data_q, bm, `V6LB_REG_CARD_MAC_HI_MASK);
                if (wa == `V6LB_REG_CARD_MAC_LO)
                    card_mac_lo <= merge(card_mac_lo, w_data_q, bm, `V6LB_REG_CARD_MAC_LO_MASK);
                if (wa == `V6LB_REG_ROUTER_MAC_HI)
                    router_mac_hi <= merge(router_mac_hi, w_data_q, bm, `V6LB_REG_ROUTER_MAC_HI_MASK);
                if (wa == `V6LB_REG_ROUTER_MAC_LO)
                    router_mac_lo <= merge(router_mac_lo, w_data_q, bm, `V6LB_REG_ROUTER_MAC_LO_MASK);
                if (wa == `V6LB_REG_TBL_INDEX)
                    tbl_index <= merge(tbl_index, w_data_q, bm, `V6LB_REG_TBL_INDEX_MASK);
                if (wa == `V6LB_REG_TBL_SEL)
                    tbl_sel <= merge(tbl_sel, w_data_q, bm, `V6LB_REG_TBL_SEL_MASK);
                if (wa == `V6LB_REG_CNT_SEL) begin
                    cnt_sel       <= merge(cnt_sel, w_data_q, bm, `V6LB_REG_CNT_SEL_MASK);
                    cnt_sel_write <= 1'b1;
                end
                if (wa == `V6LB_REG_TBL_CMD && !cmd_busy) begin
                    tbl_cmd       <= merge(tbl_cmd, w_data_q, bm, `V6LB_REG_TBL_CMD_MASK);
                    tbl_cmd_valid <= 1'b1;
                end
                if (wa == `V6LB_REG_CNT_CLEAR && w_strb_q[`V6LB_CNT_CLEAR_CLEAR_LSB / 8] &&
                    w_data_q[`V6LB_CNT_CLEAR_CLEAR_LSB])
                    cnt_clear <= 1'b1;
            end
        end
    end

    // Register arrays: one 32-bit word per generate iteration.
    genvar gi;
    generate
        for (gi = 0; gi < CARD_ADDR_N; gi = gi + 1) begin : g_card_addr
            always_ff @(posedge clk) begin
                if (rst)
                    card_addr[32*gi +: 32] <= `V6LB_REG_CARD_ADDR_RESET;
                else if (wr_fire && wa == `V6LB_REG_CARD_ADDR + 4 * gi)
                    card_addr[32*gi +: 32] <= merge(card_addr[32*gi +: 32], w_data_q, bm,
                                                    `V6LB_REG_CARD_ADDR_MASK);
            end
        end
        for (gi = 0; gi < TBL_DATA_N; gi = gi + 1) begin : g_tbl_data
            always_ff @(posedge clk) begin
                if (rst)
                    tbl_data[32*gi +: 32] <= `V6LB_REG_TBL_DATA_RESET;
                else if (tbl_rdata_valid)
                    tbl_data[32*gi +: 32] <= tbl_rdata[32*gi +: 32];
                else if (wr_fire && wa == `V6LB_REG_TBL_DATA + 4 * gi)
                    tbl_data[32*gi +: 32] <= merge(tbl_data[32*gi +: 32], w_data_q, bm,
                                                   `V6LB_REG_TBL_DATA_MASK);
            end
        end
        for (gi = 0; gi < ACTIVE_BANK_N; gi = gi + 1) begin : g_active_bank
            always_ff @(posedge clk) begin
                if (rst)
                    active_bank[32*gi +: 32] <= `V6LB_REG_ACTIVE_BANK_RESET;
                else if (wr_fire && wa == `V6LB_REG_ACTIVE_BANK + 4 * gi)
                    active_bank[32*gi +: 32] <= merge(active_bank[32*gi +: 32], w_data_q, bm,
                                                      `V6LB_REG_ACTIVE_BANK_MASK);
            end
        end
    endgenerate

    // Counter snapshot.
    logic [63:0] cnt_snap;
    logic        snap_wait;    // a CNT_SEL write has not been answered yet
    logic [31:0] snap_cycles;  // cycles waited so far

    always_ff @(posedge clk) begin
        if (rst) begin
            cnt_snap    <= {`V6LB_REG_CNT_HI_RESET, `V6LB_REG_CNT_LO_RESET};
            snap_wait   <= 1'b0;
            snap_cycles <= 32'd0;
        end else begin
            if (cnt_value_valid) cnt_snap <= cnt_value;
            if (wr_fire && wa == `V6LB_REG_CNT_SEL) begin
                snap_wait   <= 1'b1;
                snap_cycles <= 32'd0;
            end else if (snap_wait) begin
                if (cnt_value_valid || snap_cycles >= SNAP_TIMEOUT) snap_wait <= 1'b0;
                snap_cycles <= snap_cycles + 32'd1;
            end
        end
    end

    // ------------------------------------------------------------------------------------------
    // Read channel

    logic                  ar_hold, rvalid_q;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [ADDR_WIDTH-1:0] ar_addr_q;
    logic [31:0]           ra;       // word-aligned read address, zero-extended
    /* verilator lint_on UNUSEDSIGNAL */
    logic [31:0]           rdata_q, rd_val;
    logic [1:0]            rresp_q;
    logic                  rd_stall, rd_go;

    assign s_axil_arready = !ar_hold && !rvalid_q;
    assign s_axil_rvalid  = rvalid_q;
    assign s_axil_rdata   = rdata_q;
    assign s_axil_rresp   = rresp_q;

    // Word-aligned, zero-extended addresses for decoding.
    generate
        if (ADDR_WIDTH < 32) begin : g_addr_ext
            assign wa = {{(32 - ADDR_WIDTH){1'b0}}, aw_addr_q[ADDR_WIDTH-1:2], 2'b00};
            assign ra = {{(32 - ADDR_WIDTH){1'b0}}, ar_addr_q[ADDR_WIDTH-1:2], 2'b00};
        end else begin : g_addr_full
            assign wa = {aw_addr_q[31:2], 2'b00};
            assign ra = {ar_addr_q[31:2], 2'b00};
        end
    endgenerate

    logic [31:0] cnt_lo_v, cnt_hi_v;
    assign cnt_lo_v = cnt_snap[31:0];
    assign cnt_hi_v = cnt_snap[63:32];

    integer ri;
    always_comb begin
        rd_stall = snap_wait && (ra == `V6LB_REG_CNT_LO || ra == `V6LB_REG_CNT_HI);
        rd_go = ar_hold && !rd_stall;

        rd_val = 32'd0;
        if (ra == `V6LB_REG_ID)               rd_val = `V6LB_REG_ID_RESET;
        if (ra == `V6LB_REG_VERSION)          rd_val = `V6LB_REG_VERSION_RESET;
        if (ra == `V6LB_REG_CAP_DATA_WIDTH)   rd_val = DATA_WIDTH;
        if (ra == `V6LB_REG_CAP_SERVICES)     rd_val = N_SERVICES;
        if (ra == `V6LB_REG_CAP_BACKENDS)     rd_val = N_BACKENDS;
        if (ra == `V6LB_REG_CAP_MAGLEV_M)     rd_val = MAGLEV_M;
        if (ra == `V6LB_REG_CAP_FLOW_SETS)    rd_val = FLOW_SETS;
        if (ra == `V6LB_REG_CAP_FLOW_WAYS)    rd_val = FLOW_WAYS;
        if (ra == `V6LB_REG_CAP_PARSE_WINDOW) rd_val = WINDOW_BYTES;
        if (ra == `V6LB_REG_CAP_MAX_FRAME)    rd_val = MAX_FRAME;
        if (ra == `V6LB_REG_CTRL)             rd_val = ctrl;
        if (ra == `V6LB_REG_TICK_DIV)         rd_val = tick_div;
        if (ra == `V6LB_REG_TICK_NOW)         rd_val = tick_now;
        if (ra == `V6LB_REG_CARD_MAC_HI)      rd_val = card_mac_hi;
        if (ra == `V6LB_REG_CARD_MAC_LO)      rd_val = card_mac_lo;
        if (ra == `V6LB_REG_ROUTER_MAC_HI)    rd_val = router_mac_hi;
        if (ra == `V6LB_REG_ROUTER_MAC_LO)    rd_val = router_mac_lo;
        for (ri = 0; ri < CARD_ADDR_N; ri = ri + 1)
            if (ra == `V6LB_REG_CARD_ADDR + 4 * ri) rd_val = card_addr[32*ri +: 32];
        for (ri = 0; ri < TBL_DATA_N; ri = ri + 1)
            if (ra == `V6LB_REG_TBL_DATA + 4 * ri) rd_val = tbl_data[32*ri +: 32];
        if (ra == `V6LB_REG_TBL_INDEX)        rd_val = tbl_index;
        if (ra == `V6LB_REG_TBL_SEL)          rd_val = tbl_sel;
        if (ra == `V6LB_REG_TBL_CMD)          rd_val = tbl_cmd;
        if (ra == `V6LB_REG_TBL_STATUS)
            rd_val = (tbl_error ? `V6LB_TBL_STATUS_ERROR_MASK : 32'd0) |
                     (cmd_busy ? `V6LB_TBL_STATUS_BUSY_MASK : 32'd0);
        for (ri = 0; ri < ACTIVE_BANK_N; ri = ri + 1)
            if (ra == `V6LB_REG_ACTIVE_BANK + 4 * ri) rd_val = active_bank[32*ri +: 32];
        if (ra == `V6LB_REG_CNT_SEL)          rd_val = cnt_sel;
        if (ra == `V6LB_REG_CNT_LO)           rd_val = cnt_lo_v;
        if (ra == `V6LB_REG_CNT_HI)           rd_val = cnt_hi_v;
        // CNT_CLEAR reads 0.
    end

    always_ff @(posedge clk) begin
        if (rst) begin
            ar_hold  <= 1'b0;
            rvalid_q <= 1'b0;
            rresp_q  <= RESP_OKAY;
            rdata_q  <= 32'd0;
        end else begin
            if (s_axil_arvalid && s_axil_arready) ar_hold <= 1'b1;
            if (rd_go) begin
                ar_hold  <= 1'b0;
                rvalid_q <= 1'b1;
                rresp_q  <= is_mapped(ra) ? RESP_OKAY : RESP_SLVERR;
                rdata_q  <= is_mapped(ra) ? rd_val : 32'd0;
            end else if (s_axil_rready) begin
                rvalid_q <= 1'b0;
            end
        end
    end

    always_ff @(posedge clk) begin
        if (s_axil_arvalid && s_axil_arready) ar_addr_q <= s_axil_araddr;
    end

endmodule
