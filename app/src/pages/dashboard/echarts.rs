//! Drawing a chart in the browser: the ECharts option is built with charming and rendered by
//! its WASM renderer; clicks (for the drill-down) and resizing go through a few ECharts methods
//! charming does not bind.

use charming::{
    Chart, WasmRenderer,
    component::{Axis, DataZoom, DataZoomType, Grid, Legend, LegendType},
    element::{AxisPointer, AxisPointerType, AxisType, Tooltip, Trigger},
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
    let echarts = match renderer.render(dom_id, &option(data)) {
        Ok(echarts) => echarts,
        Err(err) => {
            leptos::logging::error!("chart {dom_id} could not be drawn: {err:?}");
            return;
        }
    };
    let instance: Instance = echarts.unchecked_into();
    if let Some(on_click) = on_click {
        let handler = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
            let index =
                js_sys::Reflect::get(&event, &JsValue::from_str("dataIndex")).ok().and_then(|v| v.as_f64());
            if let Some(index) = index {
                on_click(index as usize);
            }
        });
        instance.on("click", handler.as_ref().unchecked_ref());
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

/// The ECharts option for a chart: bars and lines over the categories, a right-hand axis for
/// series that ask for one, a zoom for long daily series.
fn option(data: &ChartData) -> Chart {
    let left = data.series.iter().find(|s| !s.right_axis).map_or(Unit::Count, |s| s.unit);
    let mut chart = Chart::new()
        .background_color("transparent")
        .tooltip(
            Tooltip::new()
                .trigger(Trigger::Axis)
                .axis_pointer(AxisPointer::new().type_(AxisPointerType::Shadow)),
        )
        .legend(Legend::new().type_(LegendType::Scroll).bottom(0))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(28)
                .bottom(if data.categories.len() > ZOOM_AFTER { 70 } else { 36 })
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Category).data(data.categories.clone()))
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
