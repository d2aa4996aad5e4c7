//! Drawing a chart in the browser: the ECharts option is built with charming and rendered by
//! its WASM renderer; clicks (for the drill-down) and resizing go through a few ECharts methods
//! charming does not bind.

use charming::{
    Chart, WasmRenderer,
    component::{Axis, DataZoom, DataZoomType, Grid, Legend},
    element::{AxisLabel, AxisPointer, AxisPointerType, AxisType, Tooltip, Trigger},
    series::{Bar, Line},
    theme::Theme,
};
use leptos::prelude::*;
use model::{ChartData, SeriesKind, Unit};
use rust_decimal::prelude::ToPrimitive;
use wasm_bindgen::{JsCast, JsValue, prelude::*};

#[wasm_bindgen]
extern "C" {
    /// An ECharts instance (the object `echarts.init` returns).
    type Instance;

    #[wasm_bindgen(js_namespace = echarts, js_name = getInstanceByDom)]
    fn instance_of(element: &JsValue) -> JsValue;

    #[wasm_bindgen(method)]
    fn on(this: &Instance, event: &str, handler: &js_sys::Function);

    #[wasm_bindgen(method)]
    fn dispose(this: &Instance);

    #[wasm_bindgen(method)]
    fn resize(this: &Instance);

    /// Options charming does not model (merged into the chart's).
    #[wasm_bindgen(method, js_name = setOption)]
    fn set_option(this: &Instance, option: &JsValue);

    /// The canvas' own event source: clicks anywhere, not only on a bar or a point.
    type Zr;

    #[wasm_bindgen(method, js_name = getZr)]
    fn zr(this: &Instance) -> Zr;

    #[wasm_bindgen(method, js_name = on)]
    fn on_zr(this: &Zr, event: &str, handler: &js_sys::Function);

    #[wasm_bindgen(method, js_name = containPixel)]
    fn contain_pixel(this: &Instance, finder: &str, point: &JsValue) -> bool;

    #[wasm_bindgen(method, js_name = convertFromPixel)]
    fn convert_from_pixel(this: &Instance, finder: &JsValue, point: &JsValue) -> JsValue;
}

/// Days shown at once before a zoom slider appears.
const ZOOM_AFTER: usize = 62;

/// Frames to wait for a chart's element to be in the document.
const ATTACH_TRIES: u32 = 60;

/// Draws `data` into the element `dom_id` once it is in the document (replacing what was
/// there); `on_click` gets the index of the clicked category.
pub fn draw_when_attached<F: Fn(usize) + 'static>(dom_id: String, data: ChartData, on_click: Option<F>) {
    fn attempt<F: Fn(usize) + 'static>(dom_id: String, data: ChartData, on_click: Option<F>, tries: u32) {
        match document().get_element_by_id(&dom_id) {
            Some(element) if element.is_connected() => draw(&element, &dom_id, &data, on_click),
            _ if tries > 0 => request_animation_frame(move || attempt(dom_id, data, on_click, tries - 1)),
            _ => leptos::logging::warn!("chart {dom_id} never reached the page"),
        }
    }
    attempt(dom_id, data, on_click, ATTACH_TRIES);
}

fn draw(
    element: &leptos::web_sys::Element,
    dom_id: &str,
    data: &ChartData,
    on_click: Option<impl Fn(usize) + 'static>,
) {
    if !echarts_loaded() {
        // The table below the chart still shows the numbers.
        leptos::logging::warn!("ECharts is not loaded; chart {dom_id} is shown as a table only");
        return;
    }
    dispose(element);
    let renderer = WasmRenderer::new_opt(None, None).theme(Theme::Dark);
    let width = f64::from(element.client_width().max(1));
    let echarts = match renderer.render(dom_id, &option(data, width)) {
        Ok(echarts) => echarts,
        Err(err) => {
            leptos::logging::error!("chart {dom_id} could not be drawn: {err:?}");
            return;
        }
    };
    let instance: Instance = echarts.unchecked_into();
    // A tooltip stays inside its chart (on a phone it would stick out of the page), and a long
    // name is cut rather than pushing the plot away (the table below has it whole).
    if let Ok(extra) = js_sys::JSON::parse(
        r#"{"tooltip":{"confine":true},"xAxis":{"axisLabel":{"width":120,"overflow":"truncate"}}}"#,
    ) {
        instance.set_option(&extra);
    }
    if let Some(on_click) = on_click {
        // A click anywhere in the plot picks the category under it: a whole column is the
        // target of a bar, and a day of a line chart needs no aim at its point.
        let target: Instance = instance.clone().unchecked_into();
        let handler = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            let get = |key: &str| {
                js_sys::Reflect::get(&event, &JsValue::from_str(key)).ok().and_then(|v| v.as_f64())
            };
            let (Some(x), Some(y)) = (get("offsetX"), get("offsetY")) else { return };
            let point = js_sys::Array::of2(&JsValue::from_f64(x), &JsValue::from_f64(y));
            if !target.contain_pixel("grid", &point) {
                return;
            }
            let finder = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&finder, &JsValue::from_str("seriesIndex"), &JsValue::from_f64(0.0));
            let at = target.convert_from_pixel(&finder, &point);
            let index = js_sys::Reflect::get(&at, &JsValue::from_f64(0.0)).ok().and_then(|v| v.as_f64());
            if let Some(index) = index.filter(|i| *i >= 0.0) {
                on_click(index.round() as usize);
            }
        });
        instance.zr().on_zr("click", handler.as_ref().unchecked_ref());
        // Lives as long as the page; ECharts drops its reference with the instance.
        handler.forget();
    }
}

fn echarts_loaded() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("echarts")).unwrap_or(false)
}

fn instance(element: &leptos::web_sys::Element) -> Option<Instance> {
    if !echarts_loaded() {
        return None;
    }
    let found = instance_of(element.as_ref());
    (!found.is_undefined() && !found.is_null()).then(|| found.unchecked_into())
}

/// Fits the chart drawn in `element` to its new size.
pub fn resize(element: &leptos::web_sys::Element) {
    if let Some(instance) = instance(element) {
        instance.resize();
    }
}

/// Frees the chart drawn in `element`, if any.
pub fn dispose(element: &leptos::web_sys::Element) {
    if let Some(instance) = instance(element) {
        instance.dispose();
    }
}

fn axis_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Usd => "USD",
        Unit::Count => "",
        Unit::Percent => "%",
        Unit::Ratio => "ROAS",
    }
}

/// Rows the legend needs at `width` pixels (every entry shown: a scrolled legend hides series).
fn legend_rows(data: &ChartData, width: f64) -> f64 {
    let entries: f64 = data.series.iter().map(|s| 32.0 + 7.0 * s.name.chars().count() as f64).sum();
    (entries / (width - 16.0).max(100.0)).ceil().max(1.0)
}

/// The ECharts option for a chart: bars and lines over the categories, a right-hand axis for
/// series that ask for one, a zoom for long daily series, every category of a short axis
/// labelled, and the whole legend.
fn option(data: &ChartData, width: f64) -> Chart {
    let left = data.series.iter().find(|s| !s.right_axis).map_or(Unit::Count, |s| s.unit);
    let mut chart = Chart::new()
        .background_color("transparent")
        .tooltip(
            Tooltip::new()
                .trigger(Trigger::Axis)
                .axis_pointer(AxisPointer::new().type_(AxisPointerType::Shadow)),
        )
        .legend(Legend::new().bottom(0))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(28)
                .bottom(
                    legend_rows(data, width) * 22.0
                        + if data.categories.len() > ZOOM_AFTER { 48.0 } else { 14.0 },
                )
                .contain_label(true),
        )
        .x_axis(x_axis(data, width))
        .y_axis(Axis::new().type_(AxisType::Value).name(axis_name(left)));
    if let Some(right) = data.series.iter().find(|s| s.right_axis) {
        chart = chart.y_axis(Axis::new().type_(AxisType::Value).name(axis_name(right.unit)));
    }
    if data.categories.len() > ZOOM_AFTER {
        chart = chart
            .data_zoom(DataZoom::new().type_(DataZoomType::Inside))
            .data_zoom(DataZoom::new().type_(DataZoomType::Slider).bottom(28));
    }
    for series in &data.series {
        let values: Vec<Option<f64>> = series.values.iter().map(|v| v.and_then(|d| d.to_f64())).collect();
        let axis = if series.right_axis { 1.0 } else { 0.0 };
        chart = match series.kind {
            SeriesKind::Bar => {
                chart.series(Bar::new().name(series.name.clone()).y_axis_index(axis).data(values))
            }
            SeriesKind::StackedBar => chart
                .series(Bar::new().name(series.name.clone()).stack("total").y_axis_index(axis).data(values)),
            SeriesKind::Line => chart.series(
                Line::new()
                    .name(series.name.clone())
                    .y_axis_index(axis)
                    .show_symbol(data.categories.len() <= 31)
                    .data(values),
            ),
        };
    }
    chart
}

/// The category axis: a ranking or a few months get every label (slanted when they would not
/// fit side by side); days keep ECharts' own spacing.
fn x_axis(data: &ChartData, width: f64) -> Axis {
    let axis = Axis::new().type_(AxisType::Category).data(data.categories.clone());
    if data.categories.len() > 24 {
        return axis;
    }
    let longest = data.categories.iter().map(|c| c.chars().count()).max().unwrap_or(0) as f64;
    let fits = longest * 7.0 * data.categories.len() as f64 <= width - 60.0;
    let label = AxisLabel::new().interval(0);
    axis.axis_label(if fits { label } else { label.rotate(35).formatter("{value}") })
}
